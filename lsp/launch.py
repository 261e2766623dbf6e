"""``infisical-lsp``'s entry point: answers ``--version`` before pygls is imported (that import is most of the
server's start-up time), then hands everything else to :func:`serve.main`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from infisical_tokens.core import __version__

        print(f"infisical-lsp {__version__}")
        return
    from .serve import main as serve

    serve(args)
