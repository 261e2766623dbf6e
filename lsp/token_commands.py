"""Commands about tokens. Those that carry a secret each have their own flow: create (a document's command line or
the pickers' values; the token handed to a client that takes it, or written to a gitignored token file) and rotate,
both shielded from a late cancel (:mod:`.shield`); migrate is in :mod:`.migrate_command`. The others run their
workflow as the command line does, through one route (:func:`run_command`), and answer its outcome's presentation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from infisical_tokens.core import command, render, tokenfile
from infisical_tokens.core.errors import InfisicalTokensError, ProblemsError, UsageError
from infisical_tokens.core.record import replace
from infisical_tokens.core.redact import mask_token, redact

from . import protocol
from .server import InfisicalLanguageServer, in_thread, project_of, server_command, token_failure
from .shield import Shield, shielded

if TYPE_CHECKING:  # the workflows (the login, the HTTP client) are imported by the commands that run them
    from infisical_tokens.core import outcomes
    from infisical_tokens.core.context import Context


def _words(request: dict[str, Any], key: str) -> list[str]:
    """A list argument of a command (``argv``, ``scopes``): anything else is a clear refusal, not a TypeError."""
    value = request.get(key) or []
    if not isinstance(value, list):
        raise UsageError(f"'{key}' must be a list of strings.")
    return [str(word) for word in value]


def create_options(request: dict[str, Any]) -> tuple[command.CreateOptions, list[Any]]:
    """A create from a document's command line (``argv``), or from the pickers' structured values."""
    if request.get("argv"):
        parsed, problems = command.check(_words(request, "argv"))
        if parsed.subcommand is not command.CREATE:
            raise UsageError("Not a service-token create command.")
        options = command.create_options(parsed)[0]
        return (replace(options, dry_run=True) if request.get("dryRun") is True else options), problems
    expiry = request.get("expirySeconds")
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int)):
        raise UsageError("expirySeconds must be a whole number of seconds.")
    return command.create_options_from_values(
        _words(request, "scopes"),
        _words(request, "accessLevels"),
        name=request.get("name") if isinstance(request.get("name"), str) else None,
        expiry_seconds=expiry,
        project_id=request.get("projectId") if isinstance(request.get("projectId"), str) else None,
        dry_run=request.get("dryRun") is True,
    )


def _failure(message: str) -> protocol.CreateAnswer:
    return {"ok": False, "message": redact(message)}


@server_command(
    protocol.CREATE,
    lambda reason: _failure(
        f"Unexpected failure ({reason}). If the request reached the server a token may exist: check with "
        "`infisical-tokens service-token list`."
    ),
)
async def create_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.CreateAnswer:
    """Create a token from a document's command line ({uri, argv}) or explicit values (the palette).

    The request is shielded from its first moment: a cancel before the create is sent stops it, one after is
    noted and the token is still handed over.
    """
    with shielded(ls.shields, ls.protocol.msg_id) as shield:
        return await _create(ls, request, shield)


async def _create(ls: InfisicalLanguageServer, request: dict[str, Any], shield: Shield) -> protocol.CreateAnswer:
    from infisical_tokens.core import workflows

    await ls.until_ready()
    uri = str(request.get("uri") or "")
    if ls.settings.offline:
        return _failure("Offline mode is on (infisical.offline); nothing was created.")
    ctx = ls.workflow_context(uri)
    try:
        options, problems = create_options(request)
        plan = workflows.plan_create(options, problems, ctx)
    except ProblemsError as err:
        return _failure(next(p.text() for p in err.problems if p.severity == "error"))
    except InfisicalTokensError as err:
        return _failure(str(err))

    if options.dry_run:
        return await _dry_run(plan, ctx)

    target_file: Path | None = None
    if not ls.settings.client_handles_tokens:
        target_file, base = _token_target(ls, uri)
        why = await in_thread(tokenfile.refusal, target_file, base)  # asks git; never on the event loop
        if why is not None:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=f"Not created: this editor cannot receive a token safely, and {why}. Add it to "
                    ".gitignore (or set infisical.tokenFile), or run `infisical-tokens service-token create "
                    "--token-only` in a terminal.",
                )
            )
            return _failure(f"Not created: {why}.")
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Create service token '{options.name}' and write it to {target_file.name} (gitignored)?",
                actions=[types.MessageActionItem(title="Create"), types.MessageActionItem(title="Cancel")],
            )
        )
        if choice is None or choice.title != "Create":
            return _failure("Cancelled.")
    return await _shielded_create(ls, shield, plan, ctx, target_file)


async def _shielded_create(
    ls: InfisicalLanguageServer,
    shield: Shield,
    plan: outcomes.CreatePlan,
    ctx: Context,
    target_file: Path | None,
) -> protocol.CreateAnswer:
    """Send the create unless the request was cancelled first; once sent, answer even if the client cancels."""
    if not shield.act():
        return _failure("Cancelled; nothing was created.")
    answer = await _create_and_hand_over(ls, plan, ctx, target_file)
    if answer.get("ok"):
        where = f"was written to {target_file}." if "writtenTo" in answer else None
        shield.tell(ls, str(answer.get("name")), str(answer.get("masked")), str(answer.get("id")), where)
    return answer


async def _create_and_hand_over(
    ls: InfisicalLanguageServer, plan: outcomes.CreatePlan, ctx: Context, target_file: Path | None
) -> protocol.CreateAnswer:
    from infisical_tokens.core import workflows

    try:
        result = await in_thread(workflows.create, plan, ctx)
    except ProblemsError as err:
        return _failure(err.problems[0].text())
    except InfisicalTokensError as err:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=redact(f"Infisical: {err}"))
        )
        return _failure(str(err))
    masked = mask_token(result.token)
    answer: protocol.CreateAnswer = {
        "ok": True,
        "id": result.info.id,
        "name": result.info.name,
        "projectId": plan.project_id,
        "expiresAt": result.info.expires_at,
        "scopes": [s.text for s in result.info.scopes],
        "masked": masked,
    }
    if target_file is None:
        answer["token"] = result.token
        return answer
    try:
        await in_thread(tokenfile.write, target_file, result.token)
    except (OSError, UnicodeError) as err:
        # the token exists and nowhere else holds it: hand it back rather than lose it
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message=f"Service token '{result.info.name}' ({masked}) was created, but {target_file} could not be "
                f"written ({type(err).__name__}); the token is in this command's response. Delete it with "
                f"`infisical-tokens service-token delete {result.info.id}` if you cannot use it.",
            )
        )
        answer["token"] = result.token
        return answer
    answer["writtenTo"] = str(target_file)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Service token '{result.info.name}' ({masked}) written to {target_file} as INFISICAL_TOKEN.",
        )
    )
    return answer


async def _dry_run(plan: outcomes.CreatePlan, ctx: Context) -> protocol.CreateAnswer:
    from infisical_tokens.core import workflows

    try:
        outcome = await asyncio.get_running_loop().run_in_executor(None, workflows.dry_run, plan, ctx)
    except ProblemsError as err:
        return _failure(err.problems[0].text())
    except InfisicalTokensError as err:
        return _failure(str(err))
    return {"ok": True, "projectId": plan.project_id, "preview": render.presentations()[type(outcome)].text(outcome)}


def _token_target(ls: InfisicalLanguageServer, uri: str) -> tuple[Path, Path]:
    """The token file next to the project (or the document), and the folder it was resolved from."""
    path = ls.path_of(uri)
    config = ls.project_config(uri)
    base = config.path.parent if config is not None else (path.parent if path else ls.root_path())
    return (base / ls.settings.token_file).resolve(), base


@server_command(protocol.ROTATE, token_failure)
async def rotate_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.RotateAnswer:
    """Rotate for a client that takes the new token (our extension: it goes to the clipboard, nowhere else)."""
    with shielded(ls.shields, ls.protocol.msg_id) as shield:
        return await _rotate(ls, request, shield)


async def _rotate(ls: InfisicalLanguageServer, request: dict[str, Any], shield: Shield) -> protocol.RotateAnswer:
    from infisical_tokens.core import outcomes, workflows

    await ls.until_ready()
    if not ls.settings.client_handles_tokens:
        return {"ok": False, "message": "Rotate from a terminal: infisical-tokens service-token rotate ID --token-only"}
    ctx, project_id = project_of(ls, request)
    notes: list[str] = []  # said in the answer, where the person looks (an expired old token, for one)
    ctx = replace(ctx, warn=lambda text: notes.append(redact(text)))
    if not shield.act():
        return {"ok": False, "message": "Cancelled; nothing was created or deleted."}
    try:
        outcome = await in_thread(workflows.rotate, ctx, str(request.get("tokenId") or ""), project_id)
    except ProblemsError as err:
        return {"ok": False, "message": redact(err.problems[0].text())}
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    assert isinstance(outcome, outcomes.Rotated)
    old, masked = outcome.old, mask_token(outcome.created.token)
    shield.tell(ls, outcome.created.info.name, masked, outcome.created.info.id)
    return {
        "ok": True,
        "token": outcome.created.token,
        "masked": masked,
        "name": outcome.created.info.name,
        "oldId": old.id,
        "oldDeleted": outcome.deleted,
        "message": " ".join([*notes, render.presentations()[type(outcome)].text(outcome)]).strip(),
    }


# ---------------------------------------------------------------------- one route for the commands without a secret


@dataclass(frozen=True)
class Route:
    """A command the client runs as the command line would: the command line built from the request, and where the
    outcome's JSON form goes in the answer (under ``key``, or its fields merged in)."""

    subcommand: command.Subcommand
    words: Callable[[dict[str, Any]], list[str]] = lambda request: _words(request, "args")  # after --projectId
    key: str | None = "result"


def _confirmed_token(request: dict[str, Any]) -> list[str]:
    """The token the person picked and confirmed in the client; after ``--`` so an ID is never read as a flag."""
    return ["--yes", "--", str(request.get("tokenId") or "")]


OWN_ROUTES: dict[command.Subcommand, Route] = {  # the typed answers' shapes (protocol.TYPED); the rest: Route(sub)
    command.LIST: Route(command.LIST, lambda _request: [], key="tokens"),
    command.DELETE: Route(command.DELETE, _confirmed_token, key=None),
    command.AUDIT: Route(command.AUDIT, lambda _request: [], key=None),
}
ROUTES: dict[str, Route] = {name: OWN_ROUTES.get(sub) or Route(sub) for name, sub in protocol.routed().items()}
DOMAIN_REFUSED = (  # a client (or a value it copied from a document) must not choose where the login is sent
    "The editor does not take --domain: the infisical.apiUrl setting decides where the login goes "
    "(or INFISICAL_DOMAIN, or the instance you logged in to)."
)


async def run_command(ls: InfisicalLanguageServer, request: dict[str, Any], route: Route) -> dict[str, Any]:
    """Run ``route``'s workflow as the command line would, in a thread, and answer its outcome's presentation: its
    JSON form, its text as ``message``, and what the workflow said on the way as ``note``. ``--domain`` is refused
    in any form the parser reads as the flag: the login's credentials go only where the user's settings say."""
    from infisical_tokens.core import workflows

    await ls.until_ready()
    ctx, project_id = project_of(ls, request)
    said: list[str] = []  # said in the answer, where the person looks (a folder walk cut short, for one)
    ctx = replace(ctx, warn=lambda text: said.append(redact(text)))
    project = [f"--projectId={project_id}"] if project_id else []
    parsed, problems = command.check([*route.subcommand.path.split(), *project, *route.words(request)])
    if parsed.all("domain"):
        return token_failure(DOMAIN_REFUSED)
    refused = next((p for p in problems if p.severity == "error"), None)
    if refused is not None:
        return token_failure(refused.text())
    try:
        outcome = await in_thread(workflows.run, parsed, ctx)
    except ProblemsError as err:
        return token_failure(err.problems[0].text())
    except InfisicalTokensError as err:
        return token_failure(str(err))
    return answer_of(outcome, route, said)


def answer_of(outcome: object, route: Route, said: list[str]) -> dict[str, Any]:
    """The answer for an outcome: its text as ``message``, its JSON form (if it has one) where the route puts it."""
    shown = render.presentations()[type(outcome)]
    answer: dict[str, Any] = {"ok": True, "message": redact(shown.text(outcome).strip())}  # a log may keep it
    if shown.json is not None:
        form = shown.json(outcome)
        answer.update({route.key: form} if route.key is not None else form)
    if said:
        answer["note"] = " ".join(said)
    return answer


def _route(name: str) -> None:
    """Register ``name``'s command on the generic route."""
    route = ROUTES[name]

    async def answer(ls: InfisicalLanguageServer, request: dict[str, Any]) -> dict[str, Any]:
        return await run_command(ls, request, route)

    answer.__name__ = f"run_{route.subcommand.name}"
    server_command(name, token_failure)(answer)


for name in ROUTES:
    _route(name)
