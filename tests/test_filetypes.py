"""core/filetypes.py is the one list of file types: the server, ``check``, the extension's manifest and selector, the
README and the tests' kinds all follow it, in both directions, and each row's finder and comments are honoured."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import cast, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infisical_tokens.core import filetypes
from infisical_tokens.core.filetypes import CODE, FILE_TYPES, FINDERS, MAGIC, QUOTED, SCRIPT, FileType, Kind
from infisical_tokens.core.snippets import commands_in, edit_commands, find_commands, kind_for, listing_kinds
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
        "filetypes.ts is out of date; run: make generated"
    )
    server = (EXTENSION / "src" / "common" / "server.ts").read_text(encoding="utf-8")
    assert "DOCUMENT_SELECTOR = [...LANGUAGES.map((language) => ({ language })), ...FILTERS]" in server


def test_the_manifest_activates_on_exactly_the_table() -> None:
    """VS Code reads activation from the static manifest: it cannot be generated at run time, so it is held here."""
    events: list[str] = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))["activationEvents"]
    wanted = filetypes.activation_events()
    assert len(set(events)) == len(events)
    assert not set(wanted) - set(events), "file types the extension does not activate on; run: make generated"
    assert not set(events) - set(wanted), "activation events no file type asks for; run: make generated"
    for row in FILE_TYPES:
        for language in (*row.vscode, *(f.language for f in row.filters if f.language)):
            assert f"onLanguage:{language}" in events, row.kind


def test_the_readme_lists_exactly_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- filetypes:start -->\n") + len("<!-- filetypes:start -->\n")
    listed = readme[start : readme.index("<!-- filetypes:end -->")]
    assert listed == filetypes.markdown_table(), "README's file types are out of date; run: make generated"
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
    hint = "the hook's files: is out of date; run: make generated"
    printed = subprocess.run(
        [sys.executable, "-m", "infisical_tokens.core.filetypes", "--pre-commit"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == f"{wanted}\n"
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
    """The one place the regex and ``kind_for`` differ: ``re``'s case folding also folds dotless ``ı``, ``İ``, the
    long ``ſ`` and the Kelvin sign into ``i``/``s``/``k``, where ``kind_for`` compares extensions in ASCII case (as
    git does). The hook then passes such a file and ``check`` skips it (no kind): a file is never missed, only
    offered in vain."""
    files = re.compile(filetypes.precommit_files_regex())
    for name in ("x.ſh", "x.ıpy", "x.İpy", "x.m\u212a"):
        assert files.search(name) and kind_for(name) is None, name


# What each README editor set-up lists, and what that editor calls each row's files (the names its list must hold):
# Vim and Neovim's filetypes (a test below asks the installed editors), lsp-mode's language ids
# (`lsp-language-id-configuration`, plus the two entries the README's snippet adds), eglot's major modes, Helix's
# language names, Sublime Text's base scopes.
SETUPS: dict[str, tuple[str, str]] = {  # editor: (the README's bold name, a regex for the list in its code block)
    "neovim": ("Neovim 0.11 and later", r"filetypes = \{([^}]*)\}"),
    "neovim-0.7": ("Neovim 0.7 to 0.10", r"pattern = \{([^}]*)\}"),
    "ale": ("vim with ALE", r"for s:filetype in \[([^]]*)\]"),
    "lsp-mode": ("Emacs with lsp-mode", r"lsp-activate-on ([^)]*)\)"),
    "eglot": ("Emacs with eglot", r"'\(\(([^)]*)\)"),
    "helix": ("Helix", r'name = "([^"]*)"(?s:.*)add `"infisical"` the same way to ([^)]*)\)'),
    "sublime": ("Sublime Text", r'"selector": "([^"]*)"'),
}
VIM = {"shell": {"sh", "bash", "zsh"}, "markdown": {"markdown"}, "makefile": {"make"}, "yaml": {"yaml"},
       "dockerfile": {"dockerfile"}, "python": {"python"}, "project-json": {"json"}, "dotenv": {"sh"}}  # fmt: skip
CALLS: dict[str, dict[str, set[str]]] = {
    "neovim": VIM,
    "neovim-0.7": VIM,
    "ale": VIM,
    "lsp-mode": {"shell": {"shellscript"}, "markdown": {"markdown"}, "makefile": {"makefile"}, "yaml": {"yaml"},
                 "dockerfile": {"dockerfile"}, "python": {"python"}, "project-json": {"json"}, "dotenv": {"dotenv"}},
    "eglot": {"shell": {"sh-mode"}, "markdown": {"markdown-mode"}, "makefile": {"makefile-mode", "makefile-gmake-mode"},
              "yaml": {"yaml-mode"}, "dockerfile": {"dockerfile-mode"}, "python": {"python-mode"},
              "project-json": {"js-mode", "json-mode"}, "dotenv": {"dotenv-mode"}},
    "helix": {"shell": {"bash"}, "markdown": {"markdown"}, "makefile": {"make"}, "yaml": {"yaml"},
              "dockerfile": {"dockerfile"}, "python": {"python"}, "project-json": {"json"}},
    "sublime": {"shell": {"source.shell"}, "markdown": {"text.html.markdown"}, "makefile": {"source.makefile"},
                "yaml": {"source.yaml"}, "dockerfile": {"source.dockerfile"}, "python": {"source.python"},
                "project-json": {"source.json"}},
}  # fmt: skip
# Rows an editor's list leaves out on purpose, and why.
NOT_LISTED = {
    # eglot runs one server per major mode: the snippet lists only the modes with no server of their own
    "eglot": {"shell", "yaml", "python", "project-json", "dotenv"},
    # neither ships a language for .env files (Helix reads them as bash or text by version, Sublime as plain text)
    "helix": {"dotenv"},
    "sublime": {"dotenv"},
}


def _listed(editor: str) -> set[str]:
    title, pattern = SETUPS[editor]
    found = re.search(rf"\*\*{re.escape(title)}\*\*.*?```\w+\n(.*?)```(.*?)\n(?:- \*\*|## )", README, re.DOTALL)
    assert found, title
    listed = re.search(pattern, found.group(1) + found.group(2))
    assert listed, f"{title}: no list"
    return {name for group in listed.groups() for name in re.findall(r"[\w.-]+", group.replace('"', " "))} - {"|"}


README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("editor", SETUPS)
def test_each_editor_set_up_lists_every_row_it_can(editor: str) -> None:
    """A row missing from an editor's list is a file type that editor never hands the server; a name no row has
    is a list gone stale."""
    listed = _listed(editor)
    calls = CALLS[editor]
    assert set(calls) | NOT_LISTED.get(editor, set()) == {row.kind for row in FILE_TYPES}, editor
    for row in FILE_TYPES:
        if row.kind not in NOT_LISTED.get(editor, set()):
            assert calls[row.kind] <= listed, f"{editor} misses {row.kind}: {sorted(calls[row.kind] - listed)}"
    unknown = listed - set().union(*calls.values())
    assert not unknown, f"{editor} lists what no row is: {sorted(unknown)}"


@pytest.mark.parametrize("editor", ["neovim", "ale", "lsp-mode", "eglot"])
def test_what_each_editor_sends_reaches_the_rows_kind(editor: str) -> None:
    """The language id an editor sends (Vim's filetype, lsp-mode's id, eglot's mode less ``-mode``) gives the
    row's kind. Vim calls ``.env`` ``sh``: its whole name decides first. (Vim also calls ``x.env`` ``sh``, and there
    the language id wins over the extension: such a file is read as a shell script.)"""
    for row in FILE_TYPES:
        path = f"/w/{row.names[0]}" if row.names else f"/w/x{row.extensions[0]}"
        for name in CALLS[editor].get(row.kind, set()):
            assert kind_for(path, name.removesuffix("-mode")) == row.kind, (row.kind, name)


def test_the_lsp_mode_snippet_names_the_languages_lsp_mode_lacks() -> None:
    """lsp-mode's ``lsp-language-id-configuration`` has no Makefile or .env entry: without these, ``makefile``
    and ``dotenv`` in its list would match no buffer."""
    for entry in ('(makefile-mode . "makefile")', '(makefile-gmake-mode . "makefile")', '(dotenv-mode . "dotenv")'):
        assert entry in README, entry


# Files Vim 9.0 and Neovim 0.7 give no filetype, so no Vim set-up can attach to them (``check`` and the pre-commit
# hook still read them): Neovim 0.7 knows no ``*.dockerfile``, neither knows ``*.ipy`` or ``.env.*``.
NO_FILETYPE = {"x.dockerfile", "x.ipy", ".env.dev"}


def _vim_filetype(editor: str, name: str, cwd: Path) -> str:
    out = cwd / "ft.txt"
    script = ["-c", "filetype on", "-c", f"edit {name}", "-c", f"call writefile([&filetype], '{out}')", "-c", "qa!"]
    command = (
        [editor, "--headless", "-u", "NONE"] if editor == "nvim" else ["vim", "-N", "-u", "NONE", "-i", "NONE", "-es"]
    )
    subprocess.run([*command, *script], cwd=cwd, timeout=30, check=False, capture_output=True, stdin=subprocess.DEVNULL)
    return out.read_text().strip()


@pytest.mark.parametrize("editor", ["nvim", "vim"])
def test_vim_calls_each_rows_files_as_the_table_says(editor: str, tmp_path: Path) -> None:
    """The installed editor's own filetype for a sample of every name rule of every row is one its set-up lists."""
    if shutil.which(editor) is None:
        pytest.skip(f"{editor} is not installed")
    for row in FILE_TYPES:
        samples = [*row.names, *(f"{p}dev" for p in row.prefixes), *(f"x{s}" for s in (*row.suffixes, *row.extensions))]
        for name in samples:
            filetype = _vim_filetype(editor, name, tmp_path)
            if name in NO_FILETYPE and not filetype:
                continue
            assert filetype in VIM[row.kind], (name, filetype)


# pieces of paths where kind_for's rules meet: separators, dots, every name, prefix, suffix and extension of the
# table in several cases, and characters whose lower case is ASCII (the Kelvin sign) or longer (a dotted capital I)
_PIECES = sorted(
    {
        *("/", "\\", ".", "a", "Z", "\u212a", "\u0130", "\udcff", " ", "\n"),
        *(part for row in FILE_TYPES for part in (*row.names, *row.prefixes, *row.suffixes)),
        *(ext for row in FILE_TYPES for e in row.extensions for ext in (e, e.upper(), e.replace("k", "\u212a"))),
    }
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join), max_size=40))
def test_a_listing_read_in_bulk_gives_kind_for_answers(paths: list[str]) -> None:
    """``check`` counts a repository's files from git's listing in bulk; the answer is ``kind_for``'s, path by path."""
    listing = b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in paths)
    kinds = [kind_for(path) for path in paths]
    projects = [path for path, kind in zip(paths, kinds, strict=True) if kind == "project-json"]
    assert listing_kinds(listing) == (sum(kind is not None for kind in kinds), projects)


def test_no_extension_ends_another() -> None:
    """``listing_kinds`` counts each extension's paths apart: a path must not end in two of them."""
    extensions = [e for row in FILE_TYPES for e in row.extensions]
    assert not [(a, b) for a in extensions for b in extensions if a != b and a.endswith(b)]
