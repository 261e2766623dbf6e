"""``check``'s remembered project-file lookups (one per folder, shared by siblings and parents) must find what
``find_project_file`` finds from each folder on its own, links and ``..`` included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infisical_tokens.core.project import ProjectFiles, find_project_file
from infisical_tokens.core.resolved import ResolvedFolders


def _tree(root: Path) -> list[Path]:
    """Folders with project files at several depths, one without any below the root's, and links between them."""
    (root / "repo" / "a" / "b" / "c").mkdir(parents=True)
    (root / "repo" / "other" / "x").mkdir(parents=True)
    (root / "loose" / "y").mkdir(parents=True)
    (root / "repo" / ".infisical.json").write_text('{"workspaceId": "top"}')
    (root / "repo" / "a" / "b" / ".infisical.json").write_text('{"workspaceId": "inner"}')
    (root / "repo" / "other" / "link-to-b").symlink_to(root / "repo" / "a" / "b")
    (root / "loose" / "link-to-repo").symlink_to(root / "repo")
    (root / "repo" / "a" / "dangling").symlink_to(root / "nowhere")
    return [
        root / "repo" / "a" / "b" / "c",
        root / "repo" / "a" / "b",
        root / "repo" / "a",
        root / "repo",
        root / "repo" / "other" / "x",
        root / "repo" / "other" / "link-to-b",
        root / "repo" / "other" / "link-to-b" / "c",
        root / "loose" / "link-to-repo" / "a" / "b" / "c",
        root / "loose" / "link-to-repo" / "other",
        root / "loose" / "y",
        root / "loose",
        root / "repo" / "a" / "b" / "c" / ".." / "..",
        root / "repo" / "a" / "dangling",
        root / "repo" / "a" / "missing" / "deeper",
        Path("c"),
        Path("."),
        Path(".."),
        Path("../../other/x"),
    ]


@pytest.mark.parametrize("order", ["deepest first", "shallowest first"])
def test_remembered_lookups_find_what_each_folder_finds_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str
) -> None:
    folders = _tree(tmp_path)
    monkeypatch.chdir(tmp_path / "repo" / "a" / "b")
    if order == "shallowest first":
        folders.reverse()
    remembered = ProjectFiles().remember_lookups()
    fresh = ProjectFiles()
    for folder in folders * 2:  # the second time from what the first remembered
        assert remembered.nearest(folder) == find_project_file(folder), folder
        file = folder / "f.sh"
        config, alone = remembered.for_file(file), fresh.for_file(file)
        assert (config and (config.path, config.workspace_id)) == (alone and (alone.path, alone.workspace_id)), file
    found = {folder: remembered.nearest(folder) for folder in folders}
    assert found[tmp_path / "repo" / "other" / "link-to-b" / "c"] == tmp_path / "repo" / "a" / "b" / ".infisical.json"
    assert found[tmp_path / "repo" / "other" / "x"] == tmp_path / "repo" / ".infisical.json"


def test_a_project_file_is_its_own_config(tmp_path: Path) -> None:
    _tree(tmp_path)
    own = tmp_path / "repo" / "a" / "b" / ".infisical.json"
    config = ProjectFiles().remember_lookups().for_file(own)
    assert config is not None and config.workspace_id == "inner"


def test_folders_resolved_from_their_parents_are_what_resolving_each_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = [*_tree(tmp_path), Path("/"), tmp_path / "repo" / "a" / "dangling" / "below", Path("../..")]
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    monkeypatch.chdir(tmp_path / "repo" / "a" / "b")
    folders += [tmp_path / "loop" / "x", tmp_path / "loop"]  # as Path.resolve reads a loop, whichever way it does
    resolve = ResolvedFolders()
    for folder in folders * 2:
        assert _outcome(resolve, folder) == _outcome(lambda f: str(f.resolve()), folder), folder


def _outcome(resolve: Callable[[Path], str], folder: Path) -> str:
    try:
        return resolve(folder)
    except (OSError, RuntimeError) as err:
        return type(err).__name__
