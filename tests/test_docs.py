"""The README's hand-written command lists against the tables they describe: the "Use" block and the "JSON output"
table against the command line's subcommands, the language server's "Commands for clients" against
``protocol.COMMANDS`` (read when the test runs, so a command added there fails here until the README names it)."""

from __future__ import annotations

import re
from pathlib import Path

from infisical_tokens.core import command
from infisical_tokens.lsp import protocol

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    start = README.index(f"\n{heading}\n")
    return README[start : README.index("\n#", start + 1)]


def _use_block() -> str:
    use = _section("## Use")
    start = use.index("```sh\n") + len("```sh\n")
    return use[start : use.index("```", start)]


def test_the_use_block_shows_exactly_the_commands() -> None:
    shown = set(re.findall(r"^infisical-tokens (?:service-token )?([\w-]+)", _use_block(), re.M))
    names = {sub.name for sub in command.ALL_COMMANDS}
    assert not names - shown, f"commands README's Use block does not show: {sorted(names - shown)}"
    assert not shown - names, f"README's Use block shows commands that do not exist: {sorted(shown - names)}"
    for name in command.SUBCOMMANDS:
        assert f"infisical-tokens service-token {name}" in _use_block(), name


def test_the_json_table_has_every_command_with_json_output() -> None:
    rows = set(re.findall(r"^\| `([\w-]+)[^`]*` \|", _section("### JSON output"), re.M))
    with_json = {sub.name for sub in command.ALL_COMMANDS if any(f.name == "json" for f in sub.flags)}
    assert not with_json - rows, f"commands the JSON output table leaves out: {sorted(with_json - rows)}"
    assert not rows - with_json, f"JSON output rows for commands without --json: {sorted(rows - with_json)}"


def test_the_server_commands_list_has_every_command() -> None:
    start = README.index("- **Commands** for clients:")
    listed = README[start : README.index("\n- ", start)]
    prefix = "infisical.server."
    named = {name.removeprefix(prefix) for name in re.findall(r"`([\w.]+)`", listed)}
    assert all(name.startswith(prefix) for name in protocol.COMMANDS)
    missing = sorted(name for name in protocol.COMMANDS if name.removeprefix(prefix) not in named)
    assert not missing, f"server commands README's 'Commands for clients' does not name: {missing}"
    assert f"`{prefix}" in listed  # the first is written in full, the others by the name after it
