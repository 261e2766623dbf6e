"""The ``migrate`` outcomes as text, for the command line and the magic (pure)."""

from __future__ import annotations

import json

from .migration import Migrated, MigratePreview, MigrationPlan

DELETE_HINT = "infisical-tokens service-token delete {id} --yes"


def _metadata(plan: MigrationPlan) -> str:
    tie = f"metadata {plan.metadata[0]['key']} = {plan.token.id}"
    return f"no {tie}: this 2024 server does not keep metadata" if plan.generation == "2024" else tie


def _route(plan: MigrationPlan) -> str:
    """Which privilege route takes the rules below: the one this server has."""
    if plan.generation == "2024":
        return " (this 2024 server's v1 route: secrets only, one action per rule)"
    if plan.generation == "2026":
        return ""
    return " (as a 2026 server takes it; a 2024 server takes the secrets rules only, one action each)"


def _plan_lines(plan: MigrationPlan) -> list[str]:
    token = plan.token
    lines = [
        f"Service token '{token.name}' ({token.id}), scopes {', '.join(s.text for s in token.scopes)}, "
        f"access [{', '.join(token.permissions)}]",
        f"Machine identity: '{plan.name}' ({_metadata(plan)}), Universal Auth, "
        f"project {plan.project_id} with the no-access role and one privilege{_route(plan)}:",
        *(f"  {json.dumps(rule)}" for rule in plan.sent_rules),
        f"Lifetime: the token {plan.lifetime.describe()}.",
    ]
    if plan.differences:
        lines.append("No exact equivalent:")
        lines += [f"  - {d.message}" for d in plan.differences]
    else:
        lines.append("Every read and write answers as the token's does.")
    return lines


def preview_text(preview: MigratePreview) -> str:
    lines = ["Dry run: nothing was sent.", *_plan_lines(preview.plan)]
    lines.append(
        f"Would send (to {preview.api_url}): create the identity, attach Universal Auth, add it to the project,"
    )
    lines.append("grant the privilege, create a client secret, then log in once with it to prove it works.")
    lines.append("Then CI changes to:")
    lines += [f"  {line}" for line in preview.plan.ci_lines("<client ID>")]
    return "\n".join(lines) + "\n"


def credentials_text(done: Migrated) -> str:
    """The credentials and the CI lines: written before the old token's delete is tried."""
    plan, token = done.plan, done.plan.token
    lines = [
        f"Created machine identity '{plan.name}' ({done.identity_id}) with the reach of service token "
        f"'{token.name}' ({token.id}); a login with its new credentials worked.",
        f"Client ID: {done.client_id}",
        f"Client Secret: {done.client_secret}",
        "Store the client secret now: it is not shown again.",
        "CI changes to (with the client secret in INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET):",
        *(f"  {line}" for line in plan.ci_lines(done.client_id)),
    ]
    return "\n".join(lines) + "\n"


def fate_text(done: Migrated) -> str:
    """What became of the old service token."""
    token = done.plan.token
    lines: list[str] = []
    if done.token_deleted:
        lines.append(f"Deleted the service token '{token.name}' ({token.id}).")
    elif done.delete_error is not None:
        lines.append(f"The service token could not be deleted: {done.delete_error}")
        lines.append(f"Delete it when nothing uses it: {DELETE_HINT.format(id=token.id)}")
    else:
        lines.append(
            f"The service token still works. Delete it once CI uses the identity: {DELETE_HINT.format(id=token.id)}"
        )
    return "\n".join(lines) + "\n"


def migrated_text(done: Migrated) -> str:
    """The credentials, shown this once (unless already written), and what the person does next."""
    return ("" if done.shown else credentials_text(done)) + fate_text(done)


def json_head(done: Migrated) -> str:
    """The JSON document up to what became of the old token: written (and flushed) before the delete."""
    text = json.dumps(done.as_json(), indent=2)
    cut = text.rindex('  "serviceTokenDeleted"')
    return text[:cut].rstrip().rstrip(",")


def json_tail(done: Migrated) -> str:
    """The rest of the document that :func:`json_head` began: the old token's fate."""
    fate = json.dumps(done.fate_json(), indent=2)
    return ",\n" + fate[2:] + "\n"
