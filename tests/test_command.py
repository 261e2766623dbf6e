"""The one command definition: pflag-style parsing, CSV scopes, Go integers, and exact problem positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from infisical_tokens.core.command import check, create_options, parse, parse_go_int
from infisical_tokens.core.errors import ConfigError
from infisical_tokens.core.flag_csv import CsvError, split_csv
from infisical_tokens.core.project import find_project_file, load_project_config
from infisical_tokens.core.project_config import parse_project_config

CREATE = ["service-token", "create"]


def codes(argv: list[str]) -> list[tuple[str, int | None, int, int]]:
    """(code, word, start, end) of every problem, in order."""
    return [(p.code, p.word, p.start, p.end) for p in check(CREATE + argv)[1]]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--scope=dev:/backend/**", "-a", "read"], []),
        (["--scope=dev:/backend", "-a", "read"], [("scope-exact-folder", 2, 12, 20)]),
        (["--scope", "dev:backend", "-a", "read"], [("scope-no-leading-slash", 3, 4, 11)]),
        (["-sdev:", "-a", "read"], [("scope-empty-path", 2, 5, 6)]),
        (["-s=prod:/x,dev:/a[", "-a", "read"], [("scope-exact-folder", 2, 8, 10), ("scope-unbalanced", 2, 17, 18)]),
        (["-s", "dev:/a//b", "-a", "read"], [("scope-double-slash", 3, 6, 8)]),
        (
            ["-s", "dev:/a", "-s", "dev:/a/", "-a", "read"],
            [("scope-exact-folder", 3, 4, 6), ("scope-exact-folder", 5, 4, 7), ("scope-duplicate", 5, 0, 7)],
        ),
        (["-s", "dev:/a:b", "-a", "read"], [("scope-malformed", 3, 0, 8)]),
        (["-s", "dev:/", "-a", "read,Write"], [("bad-access-level", 5, 5, 10)]),
        (["-s", "dev:/", "-a", "read", "-e", "12x"], [("bad-int", 7, 0, 3)]),
        (["-s", "dev:/", "-a", "read", "--nope=1"], [("unknown-flag", 6, 0, 6)]),
        (["-s", "dev:/", "-a", "read", "--", "-x"], [("extra-argument", 7, 0, 2)]),
        (["-s", "dev:/\nprod:/", "-a", "read"], [("value-line-break", 3, 0, 12)]),
        (["-s", " dev:/", "-a", "read"], [("scope-whitespace", 3, 0, 4)]),
        (["-s", "dev:**", "-a", "read"], []),  # "**" matches absolute paths too
        (["-s", "dev:*", "-a", "read"], [("scope-no-leading-slash", 3, 4, 5)]),  # "*" never matches "/a"
    ],
)
def test_problem_codes_and_positions(argv: list[str], expected: list[tuple[str, int | None, int, int]]) -> None:
    assert codes(argv) == expected


def test_missing_flags_have_no_position() -> None:
    problems = check(CREATE)[1]
    assert [(p.code, p.word) for p in problems] == [("missing-scope", None), ("missing-access-level", None)]


def test_fixes_point_at_the_text_to_replace() -> None:
    problems = check([*CREATE, "--scope=dev:backend", "-a", "Read", "-s", "prod:/api"])[1]
    fixes = {p.code: p.fix for p in problems}
    assert fixes["scope-no-leading-slash"] is not None
    no_slash = fixes["scope-no-leading-slash"]
    assert (no_slash.start, no_slash.end, no_slash.text) == (12, 12, "/")
    read = fixes["bad-access-level"]
    assert read is not None and (read.start, read.end, read.text) == (0, 4, "read")
    exact = fixes["scope-exact-folder"]
    assert exact is not None and (exact.start, exact.end, exact.text) == (5, 9, "/api/**")


@pytest.mark.parametrize(
    ("argv", "values"),
    [
        (
            ["-s", "a:/", "--scope=b:/", "-sc:/", "-s=d:/", "--scope", "e:/,f:/"],
            ["a:/", "b:/", "c:/", "d:/", "e:/,f:/"],
        ),
        (["-hs", "x:/"], ["x:/"]),
    ],
)
def test_flag_forms(argv: list[str], values: list[str]) -> None:
    parsed = parse(CREATE + argv)
    assert [o.value for o in parsed.all("scope")] == values


def test_value_positions_for_editors() -> None:
    parsed = parse([*CREATE, "--scope=dev:/", "-sprod:/", "-s", "qa:/"])
    assert [(o.word, o.offset) for o in parsed.all("scope")] == [(2, 8), (3, 2), (5, 0)]


def test_defaults() -> None:
    options, problems = create_options(parse([*CREATE, "-s", "dev:/", "-a", "read"]))
    assert problems == []
    assert options.name == "Service token generated via CLI"
    assert options.expiry_seconds == 86400 and not options.token_only and options.project_id is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("3600", 3600),
        ("-5", -5),
        ("+7", 7),
        ("0x10", 16),
        ("0X1f", 31),
        ("0o17", 15),
        ("017", 15),
        ("0b101", 5),
        ("1_000", 1000),
        ("0x_1F", 31),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_go_integers(text: str, value: int) -> None:
    assert parse_go_int(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "invalid syntax"),
        ("1.5", "invalid syntax"),
        ("_1", "invalid syntax"),
        ("1__0", "invalid syntax"),
        ("08", "invalid syntax"),
        ("0x", "invalid syntax"),
        ("1e3", "invalid syntax"),
        ("9223372036854775808", "value out of range"),
    ],
)
def test_go_integer_errors(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_go_int(text)


@pytest.mark.parametrize(
    ("value", "fields"),
    [
        ("", []),
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        ("a,", ["a", ""]),
        (" a, b", [" a", " b"]),
        ('"a,b",c', ["a,b", "c"]),
        ('"a""b"', ['a"b']),
        ("a\nb", ["a"]),
    ],
)
def test_csv_like_go(value: str, fields: list[str]) -> None:
    assert [f.text for f in split_csv(value)] == fields


@pytest.mark.parametrize(("value", "message"), [('a"b', "bare"), ('"ab', "extraneous"), ('"a"b', "extraneous")])
def test_csv_errors(value: str, message: str) -> None:
    with pytest.raises(CsvError, match=message):
        split_csv(value)


def test_project_file_walks_up_and_reads_keys_case_insensitively(tmp_path: Path) -> None:
    (tmp_path / ".infisical.json").write_text('{"WorkspaceID": "p1", "defaultEnvironment": "dev", "extra": 1}')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_file(nested) == tmp_path / ".infisical.json"
    config = load_project_config(nested)
    assert config is not None and config.workspace_id == "p1" and config.default_environment == "dev"
    assert config.unknown_keys == ("extra",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not valid JSON"),
        ("[]", "must hold a JSON object"),
        ('{"workspaceId": 3}', "must be a string"),
        ('{"gitBranchToEnvironmentMapping": {"main": 1}}', "must map branch names"),
    ],
)
def test_project_file_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_project_config(text, Path(".infisical.json"))


def test_dates_past_year_9999_render_as_dates() -> None:
    """JavaScript writes years past 9999 as +010000-...; the table showed '+010000-01-02 03'."""
    from infisical_tokens.core import render
    from infisical_tokens.core.models import TokenInfo

    token = TokenInfo("id", "far", "p", (), ("read",), "+010000-01-02T03:04:05.000Z", None, None, "u1")
    assert "10000-01-02 03:04" in render.token_table([token], now=0)
    assert "Expires:    10000-01-02 03:04 UTC" in render.token_details(token, now=0)
    assert "Created by: user u1\n" in render.token_details(token, now=0)
