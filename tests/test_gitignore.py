"""``.gitignore`` read as git reads it, checked against git itself (``git check-ignore --no-index``), and fast
whatever a line says (issue 17 item 10: a backtracking matcher stalled ``check`` for minutes on one line)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from infisical_tokens.core.ignore import GitIgnore
from infisical_tokens.core.wildmatch import parse

FILES = [
    "a.log",
    "keep.log",
    "b/a.log",
    "build/x/y.sh",
    "docs/a/b/c.md",
    "docs/c.md",
    "x/docs/c.md",
    "sub/foo/bar.txt",
    "foo",
    "abc",
    "a]b",
    "a-b",
    "a b",
    "ab ",
    "a\\b",
    "#x",
    "!x",
    "Ab1",
    "x.tar.gz",
    "deep/1/2/3/z",
    "deep/z",
    "z",
    "a/b/z",
    "ünï.txt",
]
RULES = [
    "*.log\n!keep.log",
    "build/",
    "/foo",
    "foo",
    "foo/",
    "docs/**/*.md",
    "**/docs/*.md",
    "docs/**",
    "**/z",
    "deep/**/z",
    "a/**/z",
    "***",
    "a**b",
    "**/",
    "*",
    "a?c",
    "[ab]bc",
    "[!a]bc",
    "[^a]bc",
    "a[]]b",
    "a[-]b",
    "a[a-c]c",
    "[[:upper:]]b1",
    "[[:alpha:][:digit:]]b1",
    "[[:nope:]]b1",
    "a[b",
    "a\\ b",
    "ab\\ ",
    "ab ",
    "a\\\\b",
    "\\#x",
    "#x",
    "\\!x",
    "!x",
    "x.*.gz",
    "*.tar.*",
    "sub\n!sub/foo/bar.txt",
    "sub/*\n!sub/foo",
    "/deep/*/z",
    "deep/*/*/*/z",
    "?n?.txt",
    "*.txt\n!ü*",
    "a/b/",
    "\\",
    "foo\\",
    "[z-a]",
    "**\\/z",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_reads_as_git_reads_it(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    paths = sorted({str(Path(f).parents[i]) for f in FILES for i in range(len(Path(f).parts) - 1)} | set(FILES))
    differences = []
    for rules in RULES:
        (root / ".gitignore").write_text(rules + "\n")
        git = subprocess.run(
            ["git", "-c", "core.quotePath=off", "check-ignore", "--no-index", "--stdin", "-z"],
            cwd=root,
            input="\0".join(paths) + "\0",
            capture_output=True,
            text=True,
        )
        assert git.returncode in (0, 1), git.stderr
        by_git = {p for p in git.stdout.split("\0") if p}
        ours = GitIgnore(root)
        by_us = {p for p in paths if ours.ignored(root / p)}
        if by_git != by_us:
            differences.append((rules, sorted(by_git - by_us), sorted(by_us - by_git)))
    assert differences == []


PATHOLOGICAL = [
    ("*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 60),
    ("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 200),
    ("**/x/**/x/**/x/**/x/**/x/**/x/**/z", "/".join(["x"] * 40) + "/y"),
    ("*" + "?*" * 30 + "b", "a" * 300),
    ("[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*b", "a" * 4000),
    ("*a" * 2000 + "*b", "a" * 4000),
]


@pytest.mark.parametrize(("line", "path"), PATHOLOGICAL, ids=[p[0][:30] for p in PATHOLOGICAL])
def test_no_line_makes_a_match_slow(line: str, path: str) -> None:
    rule = parse(line)
    assert rule is not None
    started = time.monotonic()
    for _ in range(10):
        assert rule.applies(path.encode(), path.rsplit("/", 1)[-1].encode(), False) is False
    assert time.monotonic() - started < 2.0


def test_check_outside_git_is_fast_with_pathological_lines(tmp_path: Path) -> None:
    """The command line, end to end: one hostile .gitignore line and a long file name."""
    from tests.conftest import CLI, base_env

    (tmp_path / ".gitignore").write_text("\n".join(line for line, _ in PATHOLOGICAL) + "\n")
    (tmp_path / ("a" * 60)).write_text("infisical service-token create -s dev:/ -a read\n")
    deep = tmp_path.joinpath(*["x"] * 40)
    deep.mkdir(parents=True)
    (deep / "y.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    started = time.monotonic()
    result = subprocess.run([CLI, "check"], cwd=tmp_path, env=base_env(tmp_path), capture_output=True, text=True)
    assert time.monotonic() - started < 15, "check stalled on a .gitignore line"
    assert result.returncode == 1 and "y.sh:1:" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
