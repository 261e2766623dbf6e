"""``%infisical ...``: every command of the command line (whatever ``command.SUBCOMMANDS`` and ``command.TOP_LEVEL``
hold, none refused); the notebook's own flags (``--out``, ``--env``...) go only with ``service-token create``.

The line is split POSIX-style and parsed by the core's one command definition, so flags, defaults,
checks and messages are the command line's, and each outcome prints its one presentation (``render.presentations``)
except where a notebook shows more (:func:`overrides`). Every bad input is a plain ``UsageError`` (no traceback).
A created token comes back as a masked :class:`ServiceToken` (a migrated identity as a masked
:class:`MachineIdentity`); it is printed only on explicit request.
"""

from __future__ import annotations

import html
import keyword
import os
import shlex
import sys
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, output_can_be_silenced
from traitlets import Bool, TraitError, Unicode, validate
from traitlets.config import Configurable

from infisical_tokens.core import command, render
from infisical_tokens.core.context import Context, Progress
from infisical_tokens.core.errors import ConfigError, InfisicalTokensError, ProblemsError
from infisical_tokens.core.problems import sentences

if TYPE_CHECKING:  # imported by the first command, not by %load_ext
    from infisical_tokens.core import outcomes
    from infisical_tokens.core.migration import Migrated
from infisical_tokens.core.models import TokenInfo

from .identity import MachineIdentity
from .token import ServiceToken

MAGIC_FLAGS = {"--out": True, "--env": True, "--reveal": False}
MAGIC_HELP = """
Notebook-only flags:
  --out NAME      store the created token in variable NAME (nothing is displayed)
  --env NAME      put the created token into os.environ[NAME] (only that is printed)
  --reveal        with --token-only: print the raw token (it will be saved in the notebook)

Use $var or {expr} to pass Python values; write {{ and }} for literal braces.
"""


class TokenTable:
    def __init__(self, tokens: list[TokenInfo]) -> None:
        self.tokens = tokens

    def __repr__(self) -> str:
        return render.token_table(self.tokens).rstrip("\n")

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("ID", "Name", "Scopes", "Access", "Expires", "Last used"))
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(v)}</td>"
                for v in (
                    t.id,
                    t.name,
                    ", ".join(s.text for s in t.scopes),
                    ", ".join(t.permissions),
                    render.expiry_text(t),
                    render.relative(t.last_used),
                )
            )
            + "</tr>"
            for t in self.tokens
        )
        return f"<table><tr>{head}</tr>{rows}</table>"


class AuditTable:
    """Audit findings: text in a terminal, an HTML table in a notebook."""

    def __init__(self, report: outcomes.AuditReport) -> None:
        self.report = report

    def __repr__(self) -> str:
        return render.audit_text(self.report).rstrip("\n")

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("Severity", "Code", "Token", "Name", "Finding"))
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(v)}</td>"
                for v in (f.severity, f.code, f.token_id, f.token_name, sentences(f.message, f.hint))
            )
            + "</tr>"
            for f in self.report.findings
        )
        summary = f"<p>{len(self.report.findings)} finding(s) over {len(self.report.tokens)} token(s).</p>"
        return f"<table><tr>{head}</tr>{rows}</table>{summary}"


class TokenDetails:
    def __init__(self, info: TokenInfo) -> None:
        self.info = info

    def __repr__(self) -> str:
        return render.token_details(self.info).rstrip("\n")

    def _repr_html_(self) -> str:
        rows = [line.split(":", 1) for line in render.token_details(self.info).splitlines()]
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v.strip())}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"


def split_magic_flags(argv: list[str]) -> tuple[list[str], dict[str, str | bool]]:
    """Take the notebook-only flags out of argv (``--out NAME``, ``--out=NAME``, ``--env``, ``--reveal``)."""
    rest: list[str] = []
    found: dict[str, str | bool] = {}
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        if name in MAGIC_FLAGS:
            if not MAGIC_FLAGS[name]:
                found[name] = True
            elif eq:
                found[name] = value
            elif i + 1 < len(argv):
                found[name] = argv[i + 1]
                i += 1
            else:
                raise UsageError(f"flag needs an argument: {name}")
        else:
            rest.append(word)
        i += 1
    _check_destinations(found)
    return rest, found


def _check_destinations(found: dict[str, str | bool]) -> None:
    """Refuse a destination the token could not be put into, before anything is created."""
    out = found.get("--out")
    if isinstance(out, str) and (not out.isidentifier() or keyword.iskeyword(out) or out.startswith("__")):
        raise UsageError(f"--out needs a plain Python variable name, not '{out}'")
    env = found.get("--env")
    if isinstance(env, str) and (not env or "=" in env or "\0" in env or env.strip() != env or not _encodable(env)):
        raise UsageError(f"--env needs an environment variable name (no '=', NUL or spaces), not {env!r}")


def _encodable(name: str) -> bool:
    """Whether the operating system can take ``name`` as an environment variable's name (a lone surrogate cannot)."""
    try:
        os.fsencode(name)
    except UnicodeError:
        return False
    return True


API_URL_TRAIT = "InfisicalMagics.api_url"


@magics_class
class InfisicalMagics(Magics, Configurable):
    api_url = Unicode(None, allow_none=True, help="Infisical API URL (like --domain)").tag(config=True)
    project_id = Unicode(None, allow_none=True, help="Project ID used when a command has no --projectId").tag(
        config=True
    )
    show_token = Bool(False, help="Let --token-only print the raw token (it is then saved in the notebook)").tag(
        config=True
    )

    @validate("api_url")
    def _check_api_url(self, proposal: Any) -> str | None:
        """Refuse a URL that may not carry credentials when it is set, so that `%config` never shows a password."""
        from infisical_tokens.core.api_url import check_api_url

        value: str | None = proposal["value"]
        if value:
            try:
                check_api_url(value, API_URL_TRAIT)
            except ConfigError as err:
                raise TraitError(str(err)) from None
        return value

    def __init__(self, shell: Any) -> None:
        Configurable.__init__(self, config=shell.config)
        Magics.__init__(self, shell=shell)
        self._progress = Progress()  # the running command's: what it did that cannot be undone
        shell.configurables.append(self)

    @output_can_be_silenced
    @line_magic
    def infisical(self, line: str) -> Any:
        """Run any ``infisical-tokens`` command, as the command line parses it; ``--help``."""
        line = line.strip().removesuffix(";").strip()
        try:
            words = shlex.split(line)
        except ValueError as err:
            raise UsageError(f"%infisical: {err} (check the quotes)") from None
        argv, extra = split_magic_flags(words)
        if not argv or argv[0] in ("-h", "--help", "help"):
            print(render.help_text(None) + MAGIC_HELP)
            return None
        parsed, problems = command.check(argv)
        if parsed.help:
            print(render.help_text(parsed.subcommand) + MAGIC_HELP)
            return None
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise UsageError("\n".join(p.text() for p in errors))
        for warning in problems:
            print(f"Warning: {warning.text()}", file=sys.stderr)
        if parsed.subcommand is not command.CREATE and extra:
            raise UsageError(f"{', '.join(extra)} only go with `service-token create`.")
        from infisical_tokens.core import workflows

        ctx = self._context()
        self._progress = ctx.progress
        try:
            outcome = workflows.run(parsed, ctx)
            result = self._show(outcome, extra)
            ctx.progress.delivered = True
            return result
        except ProblemsError as err:
            raise UsageError("\n".join(p.text() for p in err.problems if p.severity == "error")) from None
        except workflows.CreateFailed as err:
            raise UsageError(err.describe(PROG)) from None
        except InfisicalTokensError as err:
            raise UsageError(str(err)) from None
        except KeyboardInterrupt:
            raise UsageError(_aftermath("Interrupted.", ctx.progress)) from None
        except Exception as err:
            raise UsageError(_aftermath(f"%infisical: unexpected {type(err).__name__}.", ctx.progress)) from None

    def _context(self) -> Context:
        """The traits are the notebook's settings: a command's own --domain/--projectId wins over them."""
        return Context.of_process(
            domain=self.api_url or None, domain_from=API_URL_TRAIT, project_id=self.project_id or None, warn=_warn
        )

    # ------------------------------------------------------------------ outcomes
    def _created(self, outcome: outcomes.Created, extra: dict[str, str | bool]) -> Any:
        token = ServiceToken(outcome.token, outcome.info)
        if extra.get("--out"):
            assert self.shell is not None
            self.shell.user_ns[str(extra["--out"])] = token
            self._progress.delivered = True
            print(f"Stored service token '{outcome.info.name}' in {extra['--out']} ({token.masked}).")
            return None
        if extra.get("--env"):
            os.environ[str(extra["--env"])] = outcome.token
            self._progress.delivered = True
            print(f"Set {extra['--env']} to service token '{outcome.info.name}' ({token.masked}).")
            return None
        if outcome.plan.options.token_only:
            if extra.get("--reveal") or self.show_token:
                print("Warning: the raw token below will be saved with this notebook's outputs.", file=sys.stderr)
                print(outcome.token)
            else:
                print(f"{token.masked}  (masked; use tok = %infisical ..., --out NAME or --reveal)")
            return None
        return token

    def _token_list(self, outcome: outcomes.TokenList, extra: dict[str, str | bool]) -> TokenTable:
        return TokenTable(outcome.tokens)

    def _token_view(self, outcome: outcomes.TokenView, extra: dict[str, str | bool]) -> TokenDetails:
        return TokenDetails(outcome.info)

    def _rotated(self, outcome: outcomes.Rotated, extra: dict[str, str | bool]) -> Any:
        """The new token, masked, like create; the old token's fate printed (nothing is lost if its delete failed)."""
        print(render.presentations()[type(outcome)].text(outcome), end="")
        return self._created(outcome.created, extra)

    def _audited(self, outcome: outcomes.AuditReport, extra: dict[str, str | bool]) -> AuditTable:
        return AuditTable(outcome)

    def _migrated(self, outcome: Migrated, extra: dict[str, str | bool]) -> MachineIdentity:
        """The identity with its client secret masked, like a created token."""
        return MachineIdentity(outcome)

    def _show(self, outcome: object, extra: dict[str, str | bool]) -> Any:
        """The outcome's presentation, printed as the command line's text; or this face's own rendering of it."""
        own = overrides().get(type(outcome))
        if own is not None:
            return own(self, outcome, extra)
        shown = render.presentations()[type(outcome)]
        for text in (shown.text(outcome), shown.aside(outcome) if shown.aside is not None else None):
            if text:
                print(text, end="" if text.endswith("\n") else "\n")
        return None


def _warn(text: str) -> None:
    print(f"Warning: {text}", file=sys.stderr)


PROG = "%infisical"


def _aftermath(what: str, progress: Progress) -> str:
    """What went wrong, and whether a token was created (or may have been) without reaching the person."""
    lost = render.lost_token_text(progress, PROG)
    if lost is not None:
        return f"{what} {lost}"
    return what if what == "Interrupted." else f"{what} This is a bug in infisical-tokens."


@cache
def overrides() -> dict[type, Callable[[InfisicalMagics, Any, dict[str, str | bool]], Any]]:
    """What a notebook shows its own way: a created token or client secret masked (returned, not printed), tables
    with an HTML view (a test checks each is an outcome a workflow returns)."""
    from infisical_tokens.core import outcomes
    from infisical_tokens.core.migration import Migrated

    return {
        outcomes.Created: InfisicalMagics._created,
        outcomes.TokenList: InfisicalMagics._token_list,
        outcomes.TokenView: InfisicalMagics._token_view,
        outcomes.Rotated: InfisicalMagics._rotated,
        outcomes.AuditReport: InfisicalMagics._audited,
        Migrated: InfisicalMagics._migrated,
    }
