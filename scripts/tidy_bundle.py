"""Leave out of vscode-extension/bundled/libs what only describes the machine that built it.

``pip install --target`` writes console scripts into ``bin/`` whose first line is the builder's interpreter
(``#!/<build dir>/.venv/bin/python``), and a ``direct_url.json`` naming ``file:///<build dir>``. The extension runs
``python -m infisical_tokens.lsp`` and needs neither, and a published ``.vsix`` must not carry a stranger's paths.
The RECORD files lose the lines for what was removed, so the metadata still describes the files that are there.
Run as ``python -m scripts.tidy_bundle vscode-extension/bundled/libs``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

MACHINE_FILES = ("direct_url.json",)


def tidy(libs: Path) -> list[str]:
    """Remove the builder's traces from a ``--target`` folder; return what was removed, relative to it."""
    removed: list[str] = []
    scripts = libs / "bin"
    if scripts.is_dir():
        removed += [f"bin/{p.name}" for p in sorted(scripts.iterdir())]
        shutil.rmtree(scripts)
    for info in sorted(libs.glob("*.dist-info")):
        for name in MACHINE_FILES:
            if (info / name).exists():
                (info / name).unlink()
                removed.append(f"{info.name}/{name}")
        record = info / "RECORD"
        if record.exists():
            lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if not _machine_entry(line, info.name)]
            record.write_text("".join(kept), encoding="utf-8")
    return removed


def _machine_entry(line: str, info: str) -> bool:
    """A RECORD line for a script outside the folder (``../../bin/…``) or for a removed file."""
    path = line.split(",", 1)[0]
    return path.startswith("../") or any(path == f"{info}/{name}" for name in MACHINE_FILES)


if __name__ == "__main__":
    for item in tidy(Path(sys.argv[1])):
        print(f"left out {item}")
