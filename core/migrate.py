"""The ``migrate`` workflow: a service token becomes a machine identity with the same reach.

Order matters. What has no exact equivalent is said first (``ctx.warn``), before anything is sent. Everything
is created before the first login, because the server caches an identity's permissions for about 10 s. The old
token is deleted only after a login with the new client secret worked. Nothing is retried; a failed step removes
the identity it created (which takes its Universal Auth, client secret, membership and privilege with it), or
says exactly what remains and the command that removes it.
"""

from __future__ import annotations

import time

from . import identities, resolve, workflows
from .api import InfisicalClient
from .context import Context
from .errors import (
    APIError,
    ConnectionDropped,
    InfisicalTokensError,
    MalformedAnswer,
    ServerError,
    Timeout,
    TransportError,
)
from .migration import METADATA_KEY, Migrated, MigratePreview, MigrationPlan, plan_migration


class MigrateFailed(InfisicalTokensError):
    """A step failed; the message says what became of what was created before it."""


def _undone(
    client: InfisicalClient,
    plan: MigrationPlan,
    step: str,
    err: APIError | TransportError,
    identity_id: str | None,
) -> MigrateFailed:
    head = f"Unable to migrate service token '{plan.token.name}' ({plan.token.id}): could not {step}: {err}"
    kept = " The service token is untouched."
    if identity_id is None:
        if isinstance(err, (Timeout, ConnectionDropped, MalformedAnswer, ServerError)):
            return MigrateFailed(
                f"{head} The server may have created identity '{plan.name}' before it failed: look for "
                f"it (metadata {METADATA_KEY} = {plan.token.id}) under Organization Settings > Access Control > "
                f"Identities and delete it.{kept}"
            )
        return MigrateFailed(f"{head} Nothing was created.{kept}")
    try:
        identities.delete_identity(client, identity_id)
    except (APIError, TransportError) as cleanup:
        return MigrateFailed(
            f"{head} Removing the identity it had created failed too ({cleanup}), so identity '{plan.name}' "
            f"({identity_id}) remains, with what was added to it. Remove it with: "
            f"{identities.delete_command(client.api_url, identity_id)}{kept}"
        )
    return MigrateFailed(f"{head} The identity it had created ({identity_id}) was removed: nothing remains.{kept}")


def _interrupted(client: InfisicalClient, plan: MigrationPlan, identity_id: str | None) -> str:
    """Ctrl-C mid-way: remove the identity if its ID is known, and say what became of it."""
    if identity_id is None:
        return (
            f"Interrupted: if the server had created identity '{plan.name}', find it by its metadata "
            f"{METADATA_KEY} = {plan.token.id} and delete it. The service token is untouched."
        )
    try:
        identities.delete_identity(client, identity_id)
    except (APIError, TransportError, KeyboardInterrupt):
        return (
            f"Interrupted: identity '{plan.name}' ({identity_id}) remains. Remove it with: "
            f"{identities.delete_command(client.api_url, identity_id)}"
        )
    return f"Interrupted: the identity created so far ({identity_id}) was removed. The service token is untouched."


def migrate(
    ctx: Context,
    wanted: str,
    project_id: str | None = None,
    domain: str | None = None,
    *,
    dry_run: bool = False,
    delete_token: bool = False,
) -> Migrated | MigratePreview:
    """The identity for the token with this ID (or unique prefix), its credentials, and the old token's fate."""
    config, resolved = resolve.project(project_id or ctx.project_id, ctx.env, ctx.cwd)
    connection = workflows.connect(ctx, config, domain, project_id)  # names --projectId when it was given
    workflows.require_user(connection.credentials, "migrate")
    with connection.client as client:
        token = workflows.find_token(client.list_service_tokens(resolved), wanted.strip(), resolved)
        plan = plan_migration(token, resolved, time.time())
        if dry_run:
            return MigratePreview(plan, client.api_url)
        for difference in plan.differences:
            ctx.warn(difference.message)
        facts = identities.project_facts(client, resolved)
        identity_id: str | None = None
        step = "create the identity"
        try:
            identity_id = identities.create_identity(client, plan, facts.org_id)
            step = "attach Universal Auth to it"
            client_id = identities.attach_universal_auth(client, identity_id)
            step = "add it to the project"
            identities.add_to_project(client, resolved, identity_id)
            step = "grant it the token's rules"
            generation = identities.grant(client, plan, identity_id, facts)
            step = "create its client secret"
            description = f"migrated from service token {token.id}"
            secret = identities.create_client_secret(client, identity_id, plan.lifetime.client_secret_ttl, description)
            step = "log in with the new client secret"
            revoke_note = identities.check_login(client, client_id, secret)
        except (APIError, TransportError) as err:
            raise _undone(client, plan, step, err, identity_id) from None
        except KeyboardInterrupt:
            ctx.warn(_interrupted(client, plan, identity_id))
            raise
        if revoke_note is not None:
            ctx.warn(revoke_note)
        deleted, delete_error = False, None
        if delete_token:
            try:
                client.delete_service_token(token.id)
                deleted = True
            except (APIError, TransportError) as err:
                delete_error = str(err)
    return Migrated(plan, identity_id, client_id, secret, generation, deleted, delete_error)
