"""Rewrite every generated file in place from its source table (``make generated``): the README's code table, file
types and hook regex, ``core/help_text.py``, the extension's ``protocol.ts`` and ``filetypes.ts``, the hook's
``files:`` and ``package.json``'s ``activationEvents``. One command instead of one per file, so that a walk-through
step is not forgotten; the staleness tests (``tests/test_regenerate.py`` and the tests each file has) name it.
No network and no node: every generator is Python."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from infisical_tokens.core import codes, filetypes
from infisical_tokens.lsp import protocol
from scripts import gen_help_text

ROOT = Path(__file__).resolve().parent.parent


def _between(text: str, name: str, body: str) -> str:
    """``text`` with what lies between ``<!-- name:start -->`` and ``<!-- name:end -->`` replaced by ``body``."""
    start = text.index(f"<!-- {name}:start -->\n") + len(f"<!-- {name}:start -->\n")
    end = text.index(f"<!-- {name}:end -->")
    return text[:start] + body + text[end:]


def _hook_files(text: str) -> str:
    """Every single-quoted ``files:`` line given the table's regex (as a single-quoted YAML scalar)."""
    quoted = filetypes.precommit_files_regex().replace("'", "''")
    return re.sub(r"^(\s*files: ')(?:[^']|'')*('$)", lambda m: m[1] + quoted + m[2], text, flags=re.M)


def _activation(text: str) -> str:
    """``package.json`` with its ``activationEvents`` array alone rewritten, in the file's 2-space layout."""
    items = ",\n".join(f"    {json.dumps(event)}" for event in filetypes.activation_events())
    new, count = re.subn(
        r'^  "activationEvents": \[\n.*?^  \]',
        lambda _: f'  "activationEvents": [\n{items}\n  ]',
        text,
        count=1,
        flags=re.M | re.S,
    )
    assert count == 1, "package.json has no top-level activationEvents array"
    return new


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file under ``root`` and the text it should have (read from the files as they are now)."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    readme = _between(readme, "codes", codes.markdown_table())
    readme = _hook_files(_between(readme, "filetypes", filetypes.markdown_table()))
    hooks = root / ".pre-commit-hooks.yaml"
    manifest = root / "vscode-extension" / "package.json"
    common = root / "vscode-extension" / "src" / "common"
    return {
        root / "README.md": readme,
        root / "core" / "help_text.py": gen_help_text.source(),
        common / "protocol.ts": protocol.typescript(),
        common / "filetypes.ts": filetypes.typescript(),
        hooks: _hook_files(hooks.read_text(encoding="utf-8")),
        manifest: _activation(manifest.read_text(encoding="utf-8")),
    }


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files whose text differs from what their sources give."""
    return [path for path, text in generated(root).items() if path.read_text(encoding="utf-8") != text]


def main() -> None:
    for path, text in generated().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"regenerated {path.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
