"""``%infisical service-token create|list|view|delete ...``: the command line's command, in a notebook.

The line is split POSIX-style and parsed by the core's one command definition, so flags, defaults,
checks and messages are the command line's. Every bad input is a plain ``UsageError`` (no traceback).
A created token comes back as a masked :class:`ServiceToken`; it is printed only on explicit request.
"""

from __future__ import annotations

import html
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from infisical_tokens.core import command, operations, render
from infisical_tokens.core.errors import InfisicalTokensError
from infisical_tokens.core.models import TokenInfo
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, output_can_be_silenced
from traitlets import Bool, Unicode
from traitlets.config import Configurable

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
            if MAGIC_FLAGS[name] and not str(found[name]).isidentifier() and name == "--out":
                raise UsageError(f"--out needs a Python variable name, not '{found[name]}'")
        else:
            rest.append(word)
        i += 1
    return rest, found


@magics_class
class InfisicalMagics(Magics, Configurable):
    api_url = Unicode(None, allow_none=True, help="Infisical API URL (like --domain)").tag(config=True)
    project_id = Unicode(None, allow_none=True, help="Project ID used when a command has no --projectId").tag(
        config=True
    )
    show_token = Bool(False, help="Let --token-only print the raw token (it is then saved in the notebook)").tag(
        config=True
    )

    def __init__(self, shell: Any) -> None:
        Configurable.__init__(self, config=shell.config)
        Magics.__init__(self, shell=shell)
        shell.configurables.append(self)

    @output_can_be_silenced
    @line_magic
    def infisical(self, line: str) -> Any:
        """Run ``infisical service-token create|list|view|delete``; ``%infisical service-token --help`` for flags."""
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
        try:
            return self._run(parsed, extra)
        except InfisicalTokensError as err:
            raise UsageError(str(err)) from None

    # ------------------------------------------------------------------ subcommands
    def _context(self) -> operations.Context:
        return operations.Context(dict(os.environ), Path.cwd(), Path.home())

    def _with_traits(self, parsed: command.ParsedCommand) -> command.ParsedCommand:
        """The traits fill in --domain and --projectId where the line gives none."""
        extra = []
        if self.api_url and parsed.string("domain") is None:
            extra.append(f"--domain={self.api_url}")
        if self.project_id and parsed.string("projectId") is None:
            extra.append(f"--projectId={self.project_id}")
        return command.parse(parsed.argv + extra) if extra else parsed

    def _run(self, parsed: command.ParsedCommand, extra: dict[str, str | bool]) -> Any:
        parsed = self._with_traits(parsed)
        ctx = self._context()
        sub = parsed.subcommand
        if sub is command.CREATE:
            return self._create(parsed, ctx, extra)
        wanted = parsed.positionals[0][1] if parsed.positionals else None
        if sub is command.VIEW and wanted is None:
            raise UsageError("Give a token ID (see `%infisical service-token list`).")
        if sub is command.DELETE:
            config, project_id = operations.project_config_quietly(ctx), ""
        else:
            config, project_id = operations.resolve_project(parsed.string("projectId"), ctx)
        connection = operations.connect(parsed, ctx, config)
        with connection.client as client:
            if sub is command.LIST:
                return TokenTable(client.list_service_tokens(project_id))
            if sub is command.VIEW:
                assert wanted is not None
                return TokenDetails(operations.find_token(client.list_service_tokens(project_id), wanted, project_id))
            operations.require_user(connection.credentials, "delete")
            if not parsed.flag_set("yes"):
                raise UsageError("Deleting cannot be undone: add --yes to confirm.")
            assert wanted is not None
            info = client.delete_service_token(wanted)
            print(f"Deleted service token '{info.name}' ({info.id}).")
            return None

    def _create(self, parsed: command.ParsedCommand, ctx: operations.Context, extra: dict[str, str | bool]) -> Any:
        plan = operations.plan_create(parsed, ctx)
        connection = operations.connect(parsed, ctx, plan.config)
        operations.require_user(connection.credentials, "create")
        with connection.client as client:
            project = operations.verify_environments(plan, client)
            if plan.options.dry_run:
                tree = client.folder_tree(plan.project_id, [e.slug for e in project.environments] if project else None)
                print(
                    render.dry_run_text(
                        "POST", client.api_url + "/v2/service-token/", plan.body(""), operations.coverage(plan, tree)
                    )
                )
                return None
            result = operations.send_create(plan, client)
        token = ServiceToken(result.token, result.info)
        if extra.get("--out"):
            assert self.shell is not None
            self.shell.user_ns[str(extra["--out"])] = token
            print(f"Stored service token '{result.info.name}' in {extra['--out']} ({token.masked}).")
            return None
        if extra.get("--env"):
            os.environ[str(extra["--env"])] = result.token
            print(f"Set {extra['--env']} to service token '{result.info.name}' ({token.masked}).")
            return None
        if plan.options.token_only:
            if extra.get("--reveal") or self.show_token:
                print("Warning: the raw token below will be saved with this notebook's outputs.", file=sys.stderr)
                print(result.token)
            else:
                print(f"{token.masked}  (masked; use tok = %infisical ..., --out NAME or --reveal)")
            return None
        return token
