"""The matcher against real picomatch: a committed corpus, and a live differential test under node."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infisical_tokens.core import jsregex
from infisical_tokens.core.glob import covered, is_match
from infisical_tokens.core.glob import picomatch_matcher as compile_glob
from infisical_tokens.core.picomatch import GlobSyntaxError, make_re, scan_is_glob

HERE = Path(__file__).parent / "glob"
CORPUS = json.loads((HERE / "corpus.json").read_text())
GLOBS = CORPUS["globs"]


def test_corpus_is_big_enough_and_from_real_picomatch() -> None:
    assert CORPUS["cases"] >= 2000
    assert CORPUS["options"] == {"strictSlashes": False}
    assert CORPUS["picomatch"].startswith("4.")
    assert sum(len(g["cases"]) for g in GLOBS) == CORPUS["cases"]
    # the corpus exercises both answers, invalid regexes and negation
    answers = [m for g in GLOBS for _, m in g["cases"]]
    assert answers.count(True) > 500 and answers.count(False) > 500
    assert any(not g.get("valid", True) for g in GLOBS)
    assert any(g.get("negated") for g in GLOBS)


@pytest.mark.parametrize("entry", GLOBS, ids=lambda g: g["glob"])
def test_matches_picomatch(entry: dict[str, Any]) -> None:
    glob = entry["glob"]
    if "throws" in entry:
        with pytest.raises(GlobSyntaxError):
            make_re(glob)
        return
    compiled = make_re(glob)
    assert (compiled.output, compiled.negated) == (entry["output"], entry["negated"])
    assert (jsregex.to_python(compiled.source) is not None) == entry["valid"]
    match = compile_glob(glob)
    wrong = [(path, expected) for path, expected in entry["cases"] if match(path) != expected]
    assert wrong == []


@pytest.mark.parametrize(
    ("path", "glob", "expected"),
    [
        ("/", "/", True),
        ("/a/b", "/**", True),
        ("/a/b", "/*", False),
        ("/backend/x", "/backend", False),
        ("/backend", "/backend/**", True),
        ("/backend", "backend", False),
        ("/x/deep", "/**/deep", True),
        ("/deep", "/**/deep", False),
        ("/A", "/a", False),
        ("/a", "/[a", False),
        ("/a", "/!(b)", True),
        ("/a", "*", False),
    ],
)
def test_server_quirks(path: str, glob: str, expected: bool) -> None:
    assert is_match(path, glob) is expected


def test_globs_that_hang_picomatch_are_refused() -> None:
    """picomatch 4.0.7 never returns for a glob ending in 4+ backslashes (checked under node, it hangs)."""
    assert compile_glob("/" + "\\" * 3)("/" + "\\" * 2)  # three still compile, as in picomatch
    with pytest.raises(GlobSyntaxError, match="never finishes"):
        make_re("/" + "\\" * 4)


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        ("/backend", False),
        ("backend", False),
        ("", False),
        ("/backend/**", True),
        ("/{a}", False),
        ("/{a,b}", True),
        ("/{a..b}", True),
        ("/\\{a,b}", False),
        ("/[a", False),
        ("/[a]", True),
        ("/(a)", True),
        ("/!a", False),
        ("!(a)", True),
        ("/a\\*", False),
        ("/a?", True),
        ("/a+b", False),
    ],
)
def test_scan_is_glob_as_picomatch(glob: str, expected: bool) -> None:
    """What picomatch.scan(glob).isGlob answered under node for each (a pinned token hangs on it)."""
    assert scan_is_glob(glob) is expected


def test_empty_glob_throws_like_picomatch() -> None:
    with pytest.raises(GlobSyntaxError, match="non-empty string"):
        is_match("/a", "")


def test_covered_lists_folders() -> None:
    folders = ["/", "/backend", "/backend/api", "/frontend"]
    assert covered("/backend/**", folders) == ["/backend", "/backend/api"]
    assert covered("/*", folders) == ["/backend", "/frontend"]


# ------------------------------------------------------------------ live differential test


@pytest.fixture(scope="module")
def oracle() -> Iterator[subprocess.Popen[str]]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "picomatch").is_dir():
        pytest.skip("node or tests/glob/node_modules missing (make test installs them)")
    proc = subprocess.Popen(
        [node, str(HERE / "oracle.mjs")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    yield proc
    proc.kill()
    proc.wait()


def _ask(proc: subprocess.Popen[str], glob: str, path: str) -> dict[str, Any]:
    assert proc.stdin and proc.stdout
    proc.stdin.write(json.dumps({"glob": glob, "path": path}) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())  # type: ignore[no-any-return]


GLOB_ALPHABET = '/ab.-_*?[]{},()|!@+^$\\" :A1=<~&#%'
SEGMENT = st.sampled_from(["a", "b", "ab", ".a", "A", "x1", "a b", "*", "[a", "{a}", "a.b", "backend", ""])
globs = st.one_of(
    st.text(alphabet=GLOB_ALPHABET, min_size=1, max_size=14),
    st.lists(
        st.sampled_from(["a", "*", "**", "?", "[ab]", "{a,b}", "!(a)", "+(a)", "@(a|b)", ".a", "a*"]),
        min_size=1,
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
)
paths = st.lists(SEGMENT, max_size=4).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(glob=globs, path=paths)
def test_differential_against_node_picomatch(oracle: subprocess.Popen[str], glob: str, path: str) -> None:
    try:
        make_re(glob)
    except GlobSyntaxError as err:
        if "never finishes" in str(err):
            return  # real picomatch loops forever on these; asking node would hang the test
    answer = _ask(oracle, glob, path)
    assert scan_is_glob(glob) == answer["isGlob"]
    if "throws" in answer:
        with pytest.raises(GlobSyntaxError):
            make_re(glob)
        return
    compiled = make_re(glob)
    assert compiled.output == answer["output"]
    assert (jsregex.to_python(compiled.source) is not None) == answer["valid"]
    assert compile_glob(glob)(path) == answer["match"]
