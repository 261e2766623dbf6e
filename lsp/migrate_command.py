"""``infisical.server.migrateServiceToken``: the palette's migrate, over the one workflow.

A dry run answers the plan and what differs (the client shows it and asks before going on); the real run
answers the client secret only to a client that takes it (``clientHandlesTokens``: our extension puts it on the
clipboard), never into a message or a log. The real run never deletes the old service token itself: the answer
could be lost (a cancel, a dropped connection) after the delete, and then the token is gone and nobody holds the
new client secret. The client deletes it (``infisical.server.deleteServiceToken``) once the secret is in its hands,
as the command line writes the credentials before it deletes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infisical_tokens.core import render
from infisical_tokens.core.errors import InfisicalTokensError
from infisical_tokens.core.record import replace
from infisical_tokens.core.redact import redact

from . import protocol
from .server import InfisicalLanguageServer, in_thread, project_of, server_command, token_failure

if TYPE_CHECKING:
    from infisical_tokens.core.migration import Migrated, MigratePreview

IN_A_TERMINAL = "Migrate from a terminal: infisical-tokens service-token migrate ID"


def _migrate(*args: Any, **kwargs: Any) -> Migrated | MigratePreview:
    """The workflow, imported here in the worker thread: it brings the HTTP client (requests, urllib3), which
    initialize need not wait for and the event loop must not."""
    from infisical_tokens.core.migrate import migrate

    return migrate(*args, **kwargs)


@server_command(protocol.MIGRATE, token_failure)
async def migrate_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.MigrateAnswer:
    await ls.until_ready()
    dry_run = request.get("dryRun") is True
    if not dry_run and not ls.settings.client_handles_tokens:
        return {"ok": False, "message": IN_A_TERMINAL}
    ctx, project_id = project_of(ls, request)
    said: list[str] = []
    ctx = replace(ctx, warn=lambda text: said.append(redact(text)))
    from infisical_tokens.core import migration_text
    from infisical_tokens.core.migration import Migrated, MigratePreview, mask_client_secret

    try:
        outcome = await in_thread(
            _migrate,
            ctx,
            str(request.get("tokenId") or ""),
            project_id,
            dry_run=dry_run,
            delete_token=False,  # the client deletes it once it holds the client secret
        )
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    if isinstance(outcome, MigratePreview):
        plan = outcome.plan
        return {
            "ok": True,
            "preview": render.presentations()[type(outcome)].text(outcome),
            "differences": [d.message for d in plan.differences],
            "identityName": plan.name,
            "ci": plan.ci_lines("<client ID>"),
        }
    assert isinstance(outcome, Migrated)
    text = render.presentations()[type(outcome)].text(outcome)
    kept = [line for line in text.splitlines() if not line.startswith("Client Secret: ")]
    delete_by_client = request.get("deleteToken") is True
    if delete_by_client:
        kept = [line for line in kept if not line.startswith("The service token still works.")]
        kept.append(
            f"The service token was not deleted: the client deletes it once it holds the client secret "
            f"({protocol.DELETE}), or: {migration_text.DELETE_HINT.format(id=outcome.plan.token.id)}"
        )
    answer: protocol.MigrateAnswer = {
        "ok": True,
        "message": "\n".join(kept),
        "differences": said,
        "identityId": outcome.identity_id,
        "identityName": outcome.plan.name,
        "clientId": outcome.client_id,
        "clientSecret": outcome.client_secret,
        "masked": mask_client_secret(outcome.client_secret),
        "ci": outcome.plan.ci_lines(outcome.client_id),
        "tokenDeleted": False,
        "deleteByClient": delete_by_client,
    }
    return answer
