"""The ``migrate`` workflow: a service token becomes a machine identity with the same reach.

Order matters. What has no exact equivalent is said first (``ctx.warn``), before anything is sent. Everything
is created before the first login, because the server caches an identity's permissions for about 10 s. The old
token is deleted only after a login with the new client secret worked. Nothing is retried; a failed step removes
the identity it created (which takes its Universal Auth, client secret, membership and privilege with it), or
says exactly what remains and the command that removes it.
"""

from __future__ import annotations

import time

from . import identities
from .api import InfisicalClient
from .connection import connect, require_user
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
from .project import choose_project
from .record import replace
from .token_lookup import find_token

NO_METADATA = (
    "This 2024 server does not keep an identity's metadata: the identity '{name}' will not carry the service "
    "token's ID ({id}); only its name ties the two."
)


class MigrateFailed(InfisicalTokensError):
    """A step failed; the message says what became of what was created before it."""


def _look_for(plan: MigrationPlan, generation: str | None) -> str:
    """How a person finds the identity by hand: its metadata only where the server keeps it."""
    where = "under Organization Settings > Access Control > Identities"
    if generation == "2026":
        return f"look for identity '{plan.name}' (metadata {METADATA_KEY} = {plan.token.id}) {where}"
    dropped = "" if generation is None else " (this 2024 server keeps no metadata: the name is all there is)"
    return f"look for an identity named '{plan.name}' {where}{dropped}"


def _maybe_created(
    client: InfisicalClient, plan: MigrationPlan, org_id: str, generation: str | None, head: str
) -> MigrateFailed:
    """The create failed after the server may have acted: look the identity up (a GET, not a second create)."""
    kept = " The service token is untouched."
    try:
        found = identities.find_identities(client, org_id, plan, generation)
    except (APIError, TransportError) as err:
        return MigrateFailed(
            f"{head} The server may have created it before it failed, and listing the identities failed too "
            f"({err}): {_look_for(plan, generation)}, and delete it.{kept}"
        )
    if not found:
        return MigrateFailed(
            f"{head} No identity for it is listed now, so it seems none was created; if one appears, "
            f"{_look_for(plan, generation)} and delete it.{kept}"
        )
    removals = " ; ".join(identities.delete_command(client.api_url, f.id) for f in found)
    ids = ", ".join(f.id for f in found)
    return MigrateFailed(
        f"{head} The server created it nonetheless: identity '{plan.name}' ({ids}) remains, unfinished and with no "
        f"client secret anyone holds. Remove it with: {removals}{kept}"
    )


def _undone(
    client: InfisicalClient,
    plan: MigrationPlan,
    step: str,
    err: APIError | TransportError,
    identity_id: str | None,
    org_id: str,
    generation: str | None,
) -> MigrateFailed:
    head = f"Unable to migrate service token '{plan.token.name}' ({plan.token.id}): could not {step}: {err}"
    kept = " The service token is untouched."
    if identity_id is None:
        if isinstance(err, (Timeout, ConnectionDropped, MalformedAnswer, ServerError)):
            return _maybe_created(client, plan, org_id, generation, head)
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


def _interrupted(client: InfisicalClient, plan: MigrationPlan, identity_id: str | None, generation: str | None) -> str:
    """Ctrl-C mid-way: remove the identity if its ID is known, and say what became of it."""
    if identity_id is None:
        return (
            f"Interrupted: the server may have created identity '{plan.name}': {_look_for(plan, generation)}, and "
            "delete it. The service token is untouched."
        )
    try:
        identities.delete_identity(client, identity_id)
    except (APIError, TransportError, KeyboardInterrupt):
        return (
            f"Interrupted: identity '{plan.name}' ({identity_id}) remains. Remove it with: "
            f"{identities.delete_command(client.api_url, identity_id)}"
        )
    return f"Interrupted: the identity created so far ({identity_id}) was removed. The service token is untouched."


def _refuse_a_second(
    ctx: Context, client: InfisicalClient, plan: MigrationPlan, org_id: str, generation: str | None
) -> None:
    """A second run on the same token would make a second identity with the same name: refuse, naming the first.
    One who may not list identities is told it was not checked (the create then decides)."""
    try:
        found = identities.find_identities(client, org_id, plan, generation)
    except APIError as err:
        if err.status != 403:
            raise MigrateFailed(
                f"Unable to migrate service token '{plan.token.name}' ({plan.token.id}): could not list the "
                f"organisation's identities to see whether it was migrated already: {err}. Nothing was created."
            ) from None
        ctx.warn(
            f"Could not list the organisation's identities ({err.status}), so a second identity for this "
            "token is not ruled out."
        )
        return
    except TransportError as err:
        raise MigrateFailed(
            f"Unable to migrate service token '{plan.token.name}' ({plan.token.id}): could not list the "
            f"organisation's identities to see whether it was migrated already: {err}. Nothing was created."
        ) from None
    if not found:
        return
    how = f"metadata {METADATA_KEY} = {plan.token.id}" if generation == "2026" else f"the name '{plan.name}'"
    listed = ", ".join(f"'{f.name}' ({f.id})" for f in found)
    removals = " ; ".join(identities.delete_command(client.api_url, f.id) for f in found)
    raise MigrateFailed(
        f"Service token '{plan.token.name}' ({plan.token.id}) looks migrated already: identity {listed} has {how}. "
        f"Nothing was created. Use that identity (create a client secret for it if nobody holds one), or remove "
        f"it first and run migrate again: {removals}"
    )


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
    config, resolved = choose_project(project_id or ctx.project_id, ctx.env, ctx.cwd)
    connection = connect(ctx, config, domain, project_id)  # names --projectId when it was given
    require_user(connection.credentials, "migrate")
    with connection.client as client:
        token = find_token(client.list_service_tokens(resolved), wanted.strip(), resolved)
        generation = client.learn_generation(resolved)
        plan = plan_migration(token, resolved, time.time(), generation)
        if dry_run:
            return MigratePreview(plan, client.api_url)
        for difference in plan.differences:
            ctx.warn(difference.message)
        if generation == "2024":
            ctx.warn(NO_METADATA.format(name=plan.name, id=token.id))
        facts = identities.project_facts(client, resolved)
        _refuse_a_second(ctx, client, plan, facts.org_id, generation)
        identity_id: str | None = None
        step = "create the identity"
        try:
            identity_id = identities.create_identity(client, plan, facts.org_id)
            step = "attach Universal Auth to it"
            client_id = identities.attach_universal_auth(client, identity_id)
            step = "add it to the project"
            identities.add_to_project(client, resolved, identity_id)
            step = "grant it the token's rules"
            granted = identities.grant(client, plan, identity_id, facts)
            step = "create its client secret"
            description = f"migrated from service token {token.id}"
            secret = identities.create_client_secret(client, identity_id, plan.lifetime.client_secret_ttl, description)
            step = "log in with the new client secret"
            revoke_note = identities.check_login(client, client_id, secret)
        except (APIError, TransportError) as err:
            raise _undone(client, plan, step, err, identity_id, facts.org_id, generation) from None
        except KeyboardInterrupt:
            ctx.warn(_interrupted(client, plan, identity_id, generation))
            raise
        if revoke_note is not None:
            ctx.warn(revoke_note)
        done = Migrated(plan, identity_id, client_id, secret, granted)
        try:
            shown = ctx.hand_over(done)  # the credentials reach the person before the old token can go
        except BaseException:
            ctx.warn(_not_handed_over(client, plan, identity_id))
            raise
        deleted, delete_error = False, None
        if delete_token:
            try:
                client.delete_service_token(token.id)
                deleted = True
            except (APIError, TransportError) as err:
                delete_error = str(err)
    return replace(done, token_deleted=deleted, delete_error=delete_error, shown=shown)


def _not_handed_over(client: InfisicalClient, plan: MigrationPlan, identity_id: str) -> str:
    """The credentials could not be written, so nobody holds the client secret: remove the identity (or name
    the command that does), and keep the token, the only credential that still works."""
    head = (
        f"The credentials of identity '{plan.name}' ({identity_id}) could not be written, and nobody holds its "
        "client secret:"
    )
    kept = f"The service token '{plan.token.name}' ({plan.token.id}) is untouched."
    try:
        identities.delete_identity(client, identity_id)
    except (APIError, TransportError, KeyboardInterrupt) as err:
        return (
            f"{head} removing it failed ({err or 'interrupted'}). Remove it with: "
            f"{identities.delete_command(client.api_url, identity_id)} {kept}"
        )
    return f"{head} it was removed. {kept}"
