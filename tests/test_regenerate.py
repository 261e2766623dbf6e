"""``make generated`` (``scripts/regenerate.py``) leaves a clean tree as it is, and puts back what a forgotten
regeneration leaves stale: each generated file, and only the part of it that is generated."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts import regenerate

ROOT = regenerate.ROOT


def test_every_generated_file_is_up_to_date() -> None:
    stale = [str(path.relative_to(ROOT)) for path in regenerate.stale()]
    assert not stale, f"generated files out of date: {stale}; run: make generated"


def test_it_rewrites_only_the_generated_parts(tmp_path: Path) -> None:
    """A copy with every generated part spoiled comes back equal to the tree; hand-written text is kept."""
    for path in regenerate.generated():
        copy = tmp_path / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    readme = tmp_path / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = text.replace("<!-- codes:start -->\n", "<!-- codes:start -->\nstale\n")
    readme.write_text(text.replace("<!-- filetypes:start -->\n", "<!-- filetypes:start -->\nstale\n"), "utf-8")
    hooks = tmp_path / ".pre-commit-hooks.yaml"
    hooks.write_text(hooks.read_text(encoding="utf-8").replace("files: '(^|/)", "files: '(^|/)x|"), "utf-8")
    manifest = tmp_path / "vscode-extension" / "package.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"onLanguage:markdown",\n', ""), "utf-8")
    for name in (
        "core/help_text.py",
        "vscode-extension/src/common/protocol.ts",
        "vscode-extension/src/common/filetypes.ts",
    ):
        (tmp_path / name).write_text("stale\n", "utf-8")
    assert len(regenerate.stale(tmp_path)) == len(regenerate.generated(tmp_path))
    for path, text in regenerate.generated(tmp_path).items():
        path.write_text(text, encoding="utf-8")
    assert regenerate.stale(tmp_path) == []
    for path in regenerate.generated(tmp_path):
        original = ROOT / path.relative_to(tmp_path)
        assert path.read_text(encoding="utf-8") == original.read_text(encoding="utf-8"), original
