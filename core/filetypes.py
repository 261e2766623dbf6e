"""Every kind of document the tools read, one row each: how the server and ``check`` recognise it, what comments
out a line in it, how command lines are found in it, and how VS Code hands it to the server.

Everything else follows from or is checked against this table: ``snippets.kind_for`` and ``find_commands`` read it;
the VS Code extension's ``src/common/filetypes.ts`` is generated from it
(``python -m infisical_tokens.core.filetypes > vscode-extension/src/common/filetypes.ts``), and tests hold the
extension's ``activationEvents`` (VS Code reads activation from the static manifest), the README's list
(``python -m infisical_tokens.core.filetypes --readme``), the pre-commit hook's ``files:`` regex in
``.pre-commit-hooks.yaml`` and the README (``--pre-commit``), the README's editor set-ups and the tests' list of
kinds to it. Adding a file type is
one row (and its name in ``Kind``) plus its tests.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Literal, NamedTuple

Kind = Literal["shell", "markdown", "makefile", "yaml", "dockerfile", "python", "project-json", "dotenv"]


class Finder(NamedTuple):
    """How command lines are found in a kind of document: a few named ways, shared by the rows."""

    name: str
    regions: Literal["none", "whole", "code"]  # code: Markdown's shell-like fences and inline code spans
    magic_only: bool = False  # only ``%infisical``/``!infisical`` (a plain ``infisical`` is Python, not a command)
    quoted_scalars: bool = False  # a command right after a quote ends where that quoted scalar closes


NOTHING = Finder("nothing", "none")  # read as configuration, not for command lines
SCRIPT = Finder("script", "whole")
QUOTED = Finder("quoted", "whole", quoted_scalars=True)
MAGIC = Finder("magic", "whole", magic_only=True)
CODE = Finder("code", "code")
FINDERS = (NOTHING, SCRIPT, QUOTED, MAGIC, CODE)


class Filter(NamedTuple):
    """A VS Code document filter narrower than a whole language (a file pattern, a notebook cell's scheme)."""

    language: str | None = None
    scheme: str | None = None
    pattern: str | None = None


class FileType(NamedTuple):
    kind: Kind
    finder: Finder
    comments: tuple[str, ...]  # what starts a line comment (at a line's start or after a blank, outside quotes)
    languages: tuple[str, ...] = ()  # editors' language ids for it (VS Code's, Neovim's, ...)
    names: tuple[str, ...] = ()  # whole file names; these three win over the editor's language id
    prefixes: tuple[str, ...] = ()  # file names starting so
    suffixes: tuple[str, ...] = ()  # file names ending so (case as written)
    extensions: tuple[str, ...] = ()  # lower-case extensions, when the language id says nothing
    vscode: tuple[str, ...] = ()  # VS Code language ids whose every document the server reads (and activates on)
    filters: tuple[Filter, ...] = ()  # narrower VS Code filters (activating on their language, if they name one)
    workspace_contains: tuple[str, ...] = ()  # VS Code activates in a workspace holding such a file
    readme: str = ""  # where command lines are read, as the README lists it


FILE_TYPES: tuple[FileType, ...] = (
    FileType(
        "shell",
        SCRIPT,
        ("#",),
        languages=("shellscript", "sh", "bash", "zsh"),
        extensions=(".sh", ".bash", ".zsh"),
        vscode=("shellscript",),
        readme="the whole script",
    ),
    FileType(
        "markdown",
        CODE,
        (),
        languages=("markdown",),
        extensions=(".md", ".markdown"),
        vscode=("markdown",),
        readme="`sh`/`bash`/`shell`/`console`/`zsh` fences and inline code",
    ),
    FileType(
        "makefile",
        SCRIPT,
        ("#",),
        languages=("makefile", "make"),
        names=("Makefile", "makefile", "GNUmakefile"),
        extensions=(".mk",),
        vscode=("makefile",),
        readme="the whole file (recipes)",
    ),
    FileType(
        "yaml",
        QUOTED,
        ("#",),
        languages=("yaml", "github-actions-workflow"),
        extensions=(".yml", ".yaml"),
        vscode=("yaml",),
        filters=(Filter(scheme="file", pattern="**/.github/workflows/*.{yml,yaml}"),),
        readme="the whole file (CI `run:`/`script:`); a command in a quoted scalar ends at its quote",
    ),
    FileType(
        "dockerfile",
        QUOTED,
        ("#",),
        languages=("dockerfile",),
        names=("Dockerfile",),
        prefixes=("Dockerfile.",),
        suffixes=(".Dockerfile",),
        extensions=(".dockerfile",),
        vscode=("dockerfile",),
        readme="the whole file (`RUN`); a command in a quoted string ends at its quote",
    ),
    FileType(
        "python",
        MAGIC,
        ("#",),
        languages=("python", "jupyter"),
        extensions=(".py", ".ipy"),
        vscode=("python",),
        filters=(Filter(language="python", scheme="vscode-notebook-cell"),),
        readme="`%infisical`/`!infisical` lines, in files and notebook cells",
    ),
    FileType(
        "project-json",
        NOTHING,
        (),
        names=(".infisical.json",),
        vscode=("json",),
        filters=(Filter(scheme="file", pattern="**/.infisical.json"),),
        workspace_contains=("**/.infisical.json",),
        readme="none: its keys and values are checked",
    ),
    FileType(
        "dotenv",
        QUOTED,
        ("#",),
        languages=("dotenv", "properties"),
        names=(".env",),
        prefixes=(".env.",),
        extensions=(".env",),
        vscode=("dotenv",),
        filters=(Filter(language="properties", pattern="**/.env"),),  # VS Code's own id for .env: only that file
        readme="the whole file; a command in a quoted value ends at its quote",
    ),
)
BY_KIND: dict[Kind, FileType] = {row.kind: row for row in FILE_TYPES}


def activation_events() -> list[str]:
    """The extension's ``activationEvents``, in table order."""
    events = [f"workspaceContains:{pattern}" for row in FILE_TYPES for pattern in row.workspace_contains]
    for row in FILE_TYPES:
        events += [f"onLanguage:{language}" for language in row.vscode]
    for row in FILE_TYPES:
        events += [f"onLanguage:{f.language}" for f in row.filters if f.language and f.language not in row.vscode]
    return list(dict.fromkeys(events))


def _filter_ts(f: Filter) -> str:
    return "{ " + ", ".join(f"{key}: {json.dumps(value)}" for key, value in f._asdict().items() if value) + " }"


def typescript() -> str:
    """``vscode-extension/src/common/filetypes.ts``: what the extension's document selector is built from."""
    languages = ", ".join(json.dumps(language) for row in FILE_TYPES for language in row.vscode)
    filters = "".join(f"  {_filter_ts(f)},\n" for row in FILE_TYPES for f in row.filters)
    events = "".join(f"  {json.dumps(event)},\n" for event in activation_events())
    return (
        "// Generated by `python -m infisical_tokens.core.filetypes` from core/filetypes.py: do not edit by hand.\n"
        "\n/** Languages whose every document the server reads. */\n"
        f"export const LANGUAGES = [{languages}];\n"
        "\n/** Narrower filters: a file pattern, a notebook cell. */\n"
        f"export const FILTERS = [\n{filters}];\n"
        "\n/** package.json's activationEvents (VS Code reads them from the manifest; a test keeps them equal). */\n"
        f"export const ACTIVATION_EVENTS = [\n{events}];\n"
    )


def _names(row: FileType) -> str:
    found = [f"`{n}`" for n in row.names]
    found += [f"`{p}*`" for p in row.prefixes]
    found += [f"`*{s}`" for s in (*row.suffixes, *row.extensions)]
    return ", ".join(found)


def markdown_table() -> str:
    """The README's list of file types (between ``<!-- filetypes:start -->`` and ``<!-- filetypes:end -->``)."""
    lines = ["| kind | files | language ids | line comments | command lines read |", "|---|---|---|---|---|"]
    for row in FILE_TYPES:
        languages = ", ".join(f"`{language}`" for language in row.languages) or "—"
        comments = ", ".join(f"`{marker}`" for marker in row.comments) or "—"
        lines.append(f"| {row.kind} | {_names(row)} | {languages} | {comments} | {row.readme} |")
    return "\n".join(lines) + "\n"


def precommit_files_regex() -> str:
    """The pre-commit hook's ``files:``: the paths ``snippets.kind_for`` gives a kind by name alone (pre-commit
    knows no language ids), so the hook hands ``check`` exactly the files it reads.

    Whole names, prefixes and suffixes as written; an extension case-insensitively, after at least one character
    (``kind_for`` takes the last dot, not a leading one, so ``.sh`` alone is no shell script)."""
    named = [re.escape(name) for row in FILE_TYPES for name in row.names]
    named += [re.escape(prefix) + "[^/]*" for row in FILE_TYPES for prefix in row.prefixes]
    named += ["[^/]*" + re.escape(suffix) for row in FILE_TYPES for suffix in row.suffixes]
    extensions = "|".join(re.escape(ext[1:]) for row in FILE_TYPES for ext in row.extensions)
    return f"(^|/)({'|'.join(named)}|[^/]+\\.(?i:{extensions}))$"


if __name__ == "__main__":
    option = " ".join(sys.argv[1:])
    if option == "--pre-commit":
        sys.stdout.write(precommit_files_regex() + "\n")
    else:
        sys.stdout.write(markdown_table() if option == "--readme" else typescript())
