"""``infisical-lsp``'s entry point: answers ``--version`` before pygls is imported (that import is most of the
server's start-up time), then hands everything else to :func:`serve.main`."""

from __future__ import annotations

import gc
import sys

# fewer, cheaper collections: a full collection in the middle of a completion request was its p99; set before
# pygls and lsprotocol are imported, whose objects a default threshold would scan again and again while loading
GC_THRESHOLD = (20_000, 20, 50)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["--version"]:
            from infisical_tokens.core import __version__

            print(f"infisical-lsp {__version__}")
            return
        gc.set_threshold(*GC_THRESHOLD)
        from .serve import main as serve

        serve(args)
    finally:
        gc.freeze()  # the process ends now: no last collection of what it holds (as core.cli.program)
