"""Tab completion for ``%infisical`` lines (IPython's matcher API v2), from the core's editor engine.

The project and instance come from the same resolution as the magic's commands (the
``InfisicalMagics`` traits, then the environment, then ``.infisical.json``). Answers come from the
catalog's cache or, until it has loaded in the background, from the slugs the project file names:
completion never waits on the network.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.completer import SimpleCompletion, context_matcher

if TYPE_CHECKING:  # the engine loads on the first completion, not with %load_ext
    from infisical_tokens.core import editor
    from infisical_tokens.core.catalog import Catalog
    from infisical_tokens.core.context import Context

    from .magic import InfisicalMagics

IDENTIFIER = "infisical_magic"
_SETTINGS = ("INFISICAL_TOKEN", "INFISICAL_DOMAIN", "INFISICAL_API_URL", "HOME")


class Completer:
    """One background-refreshed catalog per set of credentials and instance (built once, never blocking)."""

    def __init__(self, context: Callable[[], Context]) -> None:
        self._context = context
        self._catalogs: dict[tuple[str | None, ...], Catalog | None] = {}

    def _catalog(self, ctx: Context) -> Catalog | None:
        from infisical_tokens.core import connection
        from infisical_tokens.core.errors import InfisicalTokensError

        key = (*(ctx.env.get(name, "") for name in _SETTINGS), ctx.domain)
        if key not in self._catalogs:
            self._catalogs[key] = None
            with contextlib.suppress(InfisicalTokensError):
                self._catalogs[key] = connection.open_catalog(connection.connect(ctx, None), ctx)
        return self._catalogs[key]

    def document(self, line: str) -> editor.DocumentContext:
        from infisical_tokens.core.editor.document import document_context
        from infisical_tokens.core.project import project_file_quietly

        ctx = self._context()
        catalog = self._catalog(ctx)
        return document_context(
            line,
            "python",
            project_file_quietly(ctx.cwd),
            explicit_project=ctx.project_id,
            env=ctx.env,
            snapshots=catalog.snapshot if catalog is not None else None,
        )

    def complete(self, line: str) -> dict[str, Any]:
        from infisical_tokens.core import editor

        result = editor.complete(line, "python", len(line), self.document(line))
        if not result.items:
            return {"completions": [], "suppress": True}  # not Python names: nothing fits an %infisical line here
        start = min(item.start for item in result.items)
        fragment = line[start:]
        completions = [
            SimpleCompletion(item.new_text, type="param")
            for item in result.items
            if item.start == start and item.new_text.startswith(fragment)
        ]
        return {"completions": completions, "matched_fragment": fragment, "suppress": True, "ordered": True}


def make_matcher(magics: InfisicalMagics) -> Callable[[Any], dict[str, Any]]:
    completer = Completer(magics._context)

    @context_matcher(identifier=IDENTIFIER)  # type: ignore[untyped-decorator]
    def infisical_matcher(context: Any) -> dict[str, Any]:
        stripped = context.text_until_cursor.rsplit("\n", 1)[-1].lstrip()
        if not stripped.startswith("%infisical"):
            return {"completions": [], "suppress": False}
        return completer.complete(stripped)

    return infisical_matcher  # type: ignore[no-any-return]
