"""``check``'s shown paths: resolved per folder (once each) must say exactly what resolving each whole path says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infisical_tokens.core.check_output import _Shown


def _old(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def test_shown_paths_match_resolving_each_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "deep" / "a.sh").write_text("x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "o.sh").write_text("x")
    (tmp_path / "folder-link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "file-link.sh").symlink_to(tmp_path / "outside" / "o.sh")
    (tmp_path / "real" / "in-link.sh").symlink_to("deep/a.sh")
    (tmp_path / "real" / "dangling.sh").symlink_to("nowhere.sh")
    os.mkfifo(tmp_path / "real" / "pipe.sh")
    monkeypatch.chdir(tmp_path / "real")
    paths = [
        tmp_path / "real" / "deep" / "a.sh",
        tmp_path / "folder-link" / "deep" / "a.sh",
        tmp_path / "real" / "file-link.sh",
        tmp_path / "real" / "in-link.sh",
        tmp_path / "real" / "dangling.sh",
        tmp_path / "real" / "pipe.sh",
        tmp_path / "real" / "missing.sh",
        tmp_path / "real" / "deep" / ".." / "deep" / "a.sh",
        tmp_path / "real" / "deep" / "..",
        tmp_path / "outside" / "o.sh",
        Path("deep/a.sh"),
        Path("in-link.sh"),
        Path("."),
        Path("../outside/o.sh"),
        tmp_path / "real",  # a folder outside base whose path is base itself
        tmp_path / "folder-link",
        Path("/"),
    ]
    for base in (tmp_path / "real", tmp_path / "folder-link", Path("."), tmp_path):
        shown = _Shown(base)
        for path in paths * 2:  # the second time from the folders already resolved
            assert shown(path) == _old(path, base), (path, base)
