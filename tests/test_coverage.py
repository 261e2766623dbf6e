"""Differential: the shortcuts of coverage (fixed prefix, plain names) and of scope CSV (plain commas) answer as
the general way does."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infisical_tokens.core import coverage, flag_csv
from infisical_tokens.core.glob import GlobSyntaxError, compile_glob

SEGMENTS = [
    "a",
    "b",
    "ab",
    "a-b",
    "a_b",
    "B9",
    ".a",
    "..",
    ".",
    "",
    "a.b",
    "é",
    "a b",
    "*",
    "a*",
    "{a,b}",
    "[ab]",
    "!a",
]
segments = st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=4)
folders = st.lists(segments.map(lambda parts: "/" + "/".join(parts)), max_size=40)
plain = st.lists(st.sampled_from(["a", "b", "ab", "a-b", "a_b", "B9"]), min_size=1, max_size=3).map(
    lambda parts: "/" + "/".join(parts)
)
globs = st.one_of(
    plain,
    plain.map(lambda path: path + "/**"),
    plain.map(lambda path: path + "/"),
    segments.map(lambda parts: "/" + "/".join(parts)),
    st.tuples(segments, st.sampled_from(["/**", "/*", "/**/a", ""])).map(lambda t: "/" + "/".join(t[0]) + t[1]),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(folders, globs)
def test_covered_equals_matching_every_folder(paths: list[str], glob: str) -> None:
    ordered = sorted(paths)
    try:
        match = compile_glob(glob)
    except GlobSyntaxError:
        return
    assert coverage.covered(ordered, glob) == [folder for folder in ordered if match(folder)]


def test_an_index_remembers_and_says_below() -> None:
    index = coverage.FolderIndex({"dev": ["/", "/a", "/a/b", "/a/b/c", "/a-b", "/ab", "/a/.x"]})
    assert index.covered("dev", "/a/**") == ["/a", "/a/b", "/a/b/c"]
    assert index.covered("dev", "/a") == ["/a"]
    assert index.covered("dev", "/a/**") is index.covered("dev", "/a/**")
    assert list(index.below("dev", "/a")) == ["/a/.x", "/a/b", "/a/b/c"]
    assert index.covered("prod", "/**") == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=["a", ",", " ", "\r", "\t", ":", "/", "*", "é", "\n", '"'], max_size=20))
def test_plain_scope_values_split_as_csv_reads_them(value: str) -> None:
    """split_csv's comma shortcut (no quote, one line) answers as the character-by-character reader."""
    try:
        read = [(f.text, f.start, f.end) for f in flag_csv.read_csv(value)] if value else []
    except flag_csv.CsvError as err:
        read = [("error", err.offset, str(err))]  # type: ignore[list-item]
    try:
        split = [(f.text, f.start, f.end) for f in flag_csv.split_csv(value)]
    except flag_csv.CsvError as err:
        split = [("error", err.offset, str(err))]  # type: ignore[list-item]
    assert split == read
