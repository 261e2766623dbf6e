"""core/filetypes.py is the one list of file types: the server, ``check``, the extension's manifest and selector, the
README and the tests' kinds all follow it, in both directions, and each row's finder and comments are honoured."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import cast, get_args

import pytest

from infisical_tokens.core import filetypes
from infisical_tokens.core.filetypes import CODE, FILE_TYPES, FINDERS, MAGIC, QUOTED, SCRIPT, FileType, Kind
from infisical_tokens.core.snippets import commands_in, edit_commands, find_commands, kind_for
from tests.test_robustness import KINDS

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "vscode-extension"
LINE = "infisical service-token create --scope=dev:/ -a read"


def test_every_kind_has_one_row_and_every_row_a_kind() -> None:
    kinds = [row.kind for row in FILE_TYPES]
    assert sorted(kinds) == sorted(get_args(Kind))
    assert len(set(kinds)) == len(kinds)
    assert {kind for kind in KINDS if kind} == set(kinds)  # test_robustness feeds every kind
    assert {row.finder for row in FILE_TYPES} <= set(FINDERS)


def _sample(name_part: str, kind_of: str) -> str:
    """A file name that a name rule (``Dockerfile.``, ``.Dockerfile``, ``.sh``) describes."""
    return {"prefix": f"{name_part}x", "suffix": f"x{name_part}", "name": name_part}[kind_of]


@pytest.mark.parametrize("row", FILE_TYPES, ids=lambda row: row.kind)
def test_the_server_recognises_every_name_and_language_of_a_row(row: FileType) -> None:
    assert row.languages or row.names, "a row nobody can open"
    for language in row.languages:
        assert kind_for(None, language) == row.kind, language
        assert kind_for("/w/notes.txt", language) == row.kind, language
    for name in row.names:
        assert kind_for(f"/w/{name}", "plaintext") == row.kind, name
    for prefix in row.prefixes:
        assert kind_for(f"C:\\w\\{_sample(prefix, 'prefix')}", "plaintext") == row.kind, prefix
    for suffix in row.suffixes:
        assert kind_for(f"/w/{_sample(suffix, 'suffix')}", "plaintext") == row.kind, suffix
    for extension in row.extensions:
        assert kind_for(f"/w/x{extension}") == row.kind, extension
        assert kind_for(f"/w/x{extension.upper()}") == row.kind, extension


@pytest.mark.parametrize("row", FILE_TYPES, ids=lambda row: row.kind)
def test_what_vscode_sends_is_what_the_row_reads(row: FileType) -> None:
    """Each VS Code language and filter of a row reaches that row's kind on the server (by language, or by name)."""
    assert row.vscode or row.filters, "VS Code would never send this kind"
    for language in row.vscode:
        assert language in row.languages or row.names, language
    for f in row.filters:
        assert f.language is None or f.language in (*row.languages, *row.vscode)
        if f.pattern:  # a file the pattern matches: its last segment, with * and {a,b} filled in
            last = re.sub(r"\{([^,}]*)[^}]*\}", r"\1", f.pattern.rsplit("/", 1)[-1]).replace("*", "x")
            path = f.pattern.replace("**/", "/w/").rsplit("/", 1)[0] + "/" + last
            language = f.language or (row.vscode[0] if path.endswith(row.names) else row.languages[-1])
            assert kind_for(path, language) == row.kind, f


def test_the_extension_selector_is_generated_from_the_table() -> None:
    generated = EXTENSION / "src" / "common" / "filetypes.ts"
    assert generated.read_text(encoding="utf-8") == filetypes.typescript(), (
        "regenerate: python -m infisical_tokens.core.filetypes > vscode-extension/src/common/filetypes.ts"
    )
    server = (EXTENSION / "src" / "common" / "server.ts").read_text(encoding="utf-8")
    assert "DOCUMENT_SELECTOR = [...LANGUAGES.map((language) => ({ language })), ...FILTERS]" in server


def test_the_manifest_activates_on_exactly_the_table() -> None:
    """VS Code reads activation from the static manifest: it cannot be generated at run time, so it is held here."""
    events: list[str] = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))["activationEvents"]
    wanted = filetypes.activation_events()
    assert len(set(events)) == len(events)
    assert not set(wanted) - set(events), "file types the extension does not activate on"
    assert not set(events) - set(wanted), "activation events no file type asks for"
    for row in FILE_TYPES:
        for language in (*row.vscode, *(f.language for f in row.filters if f.language)):
            assert f"onLanguage:{language}" in events, row.kind


def test_the_readme_lists_exactly_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- filetypes:start -->\n") + len("<!-- filetypes:start -->\n")
    listed = readme[start : readme.index("<!-- filetypes:end -->")]
    assert listed == filetypes.markdown_table(), (
        "README's file types are out of date: regenerate them with `python -m infisical_tokens.core.filetypes --readme`"
    )
    kinds = re.findall(r"^\| ([\w-]+) \|", listed, re.M)[1:]
    assert kinds == [row.kind for row in FILE_TYPES]


@pytest.mark.parametrize("row", [row for row in FILE_TYPES if row.finder.regions == "whole"], ids=lambda r: r.kind)
def test_each_rows_comment_markers_and_only_they_hide_a_line(row: FileType) -> None:
    program = "%infisical" if row.finder.magic_only else "infisical"
    line = LINE.replace("infisical", program, 1)
    assert len(find_commands(f"{line}\n", row.kind)) == 1
    for marker in row.comments:
        assert find_commands(f"{marker} {line}\nx=1  {marker} {line}\n", row.kind) == [], marker
    for other in {"#", "//", "--", ";"} - set(row.comments):
        assert len(find_commands(f"{other} {line}\n", row.kind)) == 1, other


def test_the_table_alone_decides_how_a_kind_is_read() -> None:
    """A row written for a test (a Terraform-like file with ``//`` and ``#`` comments, quoted commands) is read as
    its row says, with no code of its own: what adding a file type to the table gives."""
    terraform = FileType(cast(Kind, "terraform"), QUOTED, ("#", "//"), extensions=(".tf",))
    text = (
        f'// command = "{LINE}"\n'
        f'  # command = "{LINE} -n a"\n'
        f'command = "{LINE} -n b" // why\n'
        f"url = http://x {LINE} -n c\n"
    )
    found = commands_in(text, terraform)
    assert [site.argv[-2:] for site in found] == [["-n", "b"], ["-n", "c"]]
    assert text[found[0].end] == '"'  # a quoted scalar ends the command (QUOTED), the comment after it is not read
    hash_only = FileType(cast(Kind, "terraform"), SCRIPT, ("#",))  # the same file type, had it no // comments
    assert [site.argv[-1] for site in commands_in(f"// {LINE} -n d\n# {LINE}\n", hash_only)] == ["d"]
    assert commands_in(f"// {LINE} -n d\n# {LINE}\n", terraform) == []
    assert [site.start for site in commands_in(f"{LINE}\n!{LINE}\n", FileType(cast(Kind, "t"), MAGIC, ()))] == [
        len(LINE) + 1
    ]
    fenced = f"{LINE}\n```sh\n{LINE}\n```\n"
    assert [site.start for site in commands_in(fenced, FileType(cast(Kind, "t"), CODE, ()))] == [len(LINE) + 7]


@pytest.mark.parametrize("kind", [row.kind for row in FILE_TYPES])
def test_an_edit_reads_as_the_row_does(kind: Kind) -> None:
    old = f"x=1\n# {LINE}\n{LINE}\n"
    text = old.replace("# ", "")
    sites = find_commands(old, kind)
    edited = edit_commands(sites, old, text, kind, 4, 6, 4)
    assert [(s.start, s.key) for s in edited.sites] == [(s.start, s.key) for s in find_commands(text, kind)]


def _hook_files(text: str) -> list[str]:
    """Every ``files:`` of the hook in a YAML or README text, as its single-quoted YAML scalar says."""
    return [value.replace("''", "'") for value in re.findall(r"^\s*files: '((?:[^']|'')*)'$", text, re.M)]


def test_the_pre_commit_hooks_files_are_generated_from_the_table() -> None:
    wanted = filetypes.precommit_files_regex()
    hint = "regenerate: python -m infisical_tokens.core.filetypes --pre-commit"
    assert _hook_files((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")) == [wanted], hint
    assert _hook_files((ROOT / "README.md").read_text(encoding="utf-8")) == [wanted], hint


def _names_to_try() -> set[str]:
    """Every row's names, prefixes, suffixes and extensions, alone and with text before and after them, in other
    cases, and near misses (``.envrc``, ``Dockerfilex``, ``foo.mdx``, ``.sh`` alone, ``notes.txt``)."""
    parts = {"notes.txt", "foo.mdx", "x.pyc", "sh", "foo.", ".", "..sh", "MAKEFILE", "makefile.txt"}
    for row in FILE_TYPES:
        parts.update((*row.names, *row.prefixes, *row.suffixes, *row.extensions))
    names = set()
    for part in parts:
        for variant in {part, part.upper(), part.lower(), part.title()}:
            names.update({variant, f"x{variant}", f"{variant}x", f"{variant}rc", f"a.b{variant}", f"{variant}.bak"})
    return names


def test_the_pre_commit_hook_selects_exactly_the_files_check_reads() -> None:
    """pre-commit hands the hook the staged paths its ``files:`` matches; ``check`` reads a path when ``kind_for``
    gives it a kind by name alone (no editor, no language id). The two agree on every name the table suggests."""
    files = re.compile(filetypes.precommit_files_regex())  # pre-commit's own: re.compile, then .search
    names = _names_to_try()
    assert {".envrc", ".env.x", "x.env", "x.Dockerfile", "x.dockerfile", "Dockerfile.x", "makefile", "foo.mdx"} <= names
    for name in names:
        for path in (name, f"sub/dir/{name}", f"a.sh/{name}"):
            assert bool(files.search(path)) == (kind_for(path) is not None), (path, kind_for(path))
    for row in FILE_TYPES:  # every row is reachable through the hook
        assert any(kind_for(name) == row.kind and files.search(name) for name in names), row.kind


def test_the_hooks_case_folding_is_pythons_which_only_widens_it() -> None:
    """The one place the regex and ``kind_for`` differ: ``re``'s case folding also folds dotless ``ı``, ``İ`` and
    the long ``ſ`` into ``i``/``s``, where ``kind_for``'s ``str.lower`` does not. The hook then passes such a file
    and ``check`` skips it (no kind): a file is never missed, only offered in vain."""
    files = re.compile(filetypes.precommit_files_regex())
    for name in ("x.ſh", "x.ıpy", "x.İpy"):
        assert files.search(name) and kind_for(name) is None, name
    assert files.search("x.m\u212a") and kind_for("x.m\u212a") == "makefile"  # the Kelvin sign folds in both
