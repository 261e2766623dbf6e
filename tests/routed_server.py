"""The real ``infisical-lsp`` with one more subcommand, added as a maintainer adds one (its definition and its
workflow): ``service-token where``, which logs in and lists the project's tokens at whatever ``--domain`` it is
given. No shipped subcommand takes words on the generic route today; this one does, so the route's own rules are
tested on the real server, over stdio."""

from __future__ import annotations

from typing import cast

from infisical_tokens.core import command, workflows
from infisical_tokens.core.context import Context
from infisical_tokens.core.outcomes import TokenList

WHERE = command.Subcommand(
    "where", "List the tokens, logged in where --domain says (a test's subcommand)", (command.PROJECT_ID,)
)


def _run_where(parsed: command.ParsedCommand, ctx: Context) -> TokenList:
    return workflows.list_tokens(ctx, parsed.string("projectId"), parsed.string("domain"))


def main() -> None:
    command.SUBCOMMANDS[WHERE.name] = WHERE
    cast(dict[command.Subcommand, workflows.Workflow], workflows.WORKFLOWS)[WHERE] = _run_where
    from infisical_tokens.lsp.launch import main as serve

    serve([])


if __name__ == "__main__":
    main()
