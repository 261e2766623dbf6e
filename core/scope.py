"""``--scope`` values, read exactly as the Infisical CLI reads them, and checked as the CLI never did.

The CLI (pflag ``stringSlice``) reads each flag value as one CSV record (Go ``encoding/csv``:
comma separated, ``"`` quoting, nothing trimmed), then splits every field on *every* ``:`` and
wants exactly two parts. The server then trims both parts and removes one trailing ``/`` from
the path, and matches folders with picomatch. Everything here keeps character offsets into the
flag value, so editors can underline the exact slug or path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from . import reach
from .flag_csv import Field
from .glob import GlobSyntaxError, validate
from .models import Generation
from .picomatch import scan_is_glob
from .problems import Fix, Problem
from .record import record
from .secret_path import GLOB_CHARS, normalize_path, starts_matchable

_SPACE = re.compile(r"\s")
_BRACKET_OR_ESCAPE = re.compile(r"[][{}()\\]")
MALFORMED = "--scope flag is malformed. Each scope flag should be in the following format: <env-slug>:<folder-path>"


@record
class Scope:
    """A ``--scope`` value read as ``env:path``: offsets into the flag value, and (like :class:`Field`) where that
    value sits in argv (``word`` None: it did not come from a command line)."""

    environment: str
    path: str
    env_start: int  # offsets into the flag value
    path_start: int
    word: int | None = None
    offset: int = 0

    @property
    def env_end(self) -> int:
        return self.env_start + len(self.environment)

    @property
    def path_end(self) -> int:
        return self.path_start + len(self.path)

    @property
    def text(self) -> str:
        return f"{self.environment}:{self.path}"

    @property
    def server_path(self) -> str:
        """The path as the server stores it: trimmed, one trailing slash removed (except for "/")."""
        return normalize_path(self.path)

    def as_request(self) -> dict[str, str]:
        """Sent verbatim, as the CLI does; the server normalises."""
        return {"environment": self.environment, "secretPath": self.path}


def parse_scope_field(field: Field) -> Scope | None:
    """Split on every colon; exactly one is allowed (None: the CLI's "malformed" case)."""
    parts = field.text.split(":")
    if len(parts) != 2:
        return None
    env, path = parts
    return Scope(env, path, field.start, field.start + len(env) + 1, field.word, field.offset)


# ---------------------------------------------------------------------- lint (syntax only)


def _unbalanced(path: str) -> tuple[str, int] | None:
    """The first bracket that has no partner, as (char, index), skipping backslash escapes."""
    if not _BRACKET_OR_ESCAPE.search(path):  # nearly every path: no character to pair up
        return None
    pairs = {"]": "[", "}": "{", ")": "("}
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(path):
        ch = path[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "[{(":
            stack.append((ch, i))
        elif ch in pairs:
            if stack and stack[-1][0] == pairs[ch]:
                stack.pop()
            else:
                return ch, i
        i += 1
    return stack[0] if stack else None


OTHERWISE = "A read that no other scope covers"


def _no_leading_slash_text(scope: Scope, alone: bool | None, generation: Generation | None) -> str:
    """What a path without a leading ``/`` reads: a lone exact one pins the token; otherwise the server matches it
    against the path a client asks for as written, so only a client asking without the ``/`` matches it."""
    path = scope.path
    env, stored = scope.environment.strip(), normalize_path(path)
    if scan_is_glob(stored) or alone is False:
        said = f"Path '{path}' does not start with '/': {reach.scope_sentence(env, stored, generation)}."
        return said if alone is None else f"{said} {reach.outside_sentence(generation, OTHERWISE)}"
    if alone:
        return f"Path '{path}' does not start with '/'. " + reach.pinned_sentence((env, stored), generation)
    beside = reach.unrooted_said(stored)["2026"]
    return (
        f"Path '{path}' does not start with '/': a 2024 server reads nothing with it; a 2026 server reads "
        f"/{stored} for every read when it is the token's only scope (pinned), and beside other scopes {beside}."
    )


def _empty_path_text(scope: Scope, alone: bool | None, generation: Generation | None) -> str:
    """What an empty path does: 500 on a 2024 server, nothing on a 2026 one (for every read, when alone)."""
    env = scope.environment.strip()
    if alone:
        return f"Scope '{scope.text}' has an empty path. " + reach.pinned_sentence((env, ""), generation)
    if alone is False:
        said = f"Scope '{scope.text}' has an empty path: {reach.scope_sentence(env, '', generation)}."
        otherwise = reach.outside_sentence("2026", OTHERWISE)  # a 2024 server fails these reads (said first)
        if generation == "2026":
            return f"{said} {otherwise}"
        if generation == "2024":
            return f"{said} {reach.outside_sentence('2024', f'A read outside {env!r} that no other scope covers')}"
        return f"{said} On a 2026 server, {otherwise[0].lower()}{otherwise[1:]}"
    return (
        f"Scope '{scope.text}' has an empty path: the server accepts it, then a 2024 server fails the reads in "
        f"'{env}' that no later scope allows with HTTP 500 (every read at all when it is the token's only scope) "
        "and a 2026 server reads nothing with it."
    )


def lint_scope(scope: Scope, alone: bool | None = None, generation: Generation | None = None) -> list[Problem]:
    """Problems of one scope, with offsets into the flag value (``alone``: whether it is the token's only scope,
    which pins the token; ``generation``: the server's, which decides what an empty or unrooted path reads;
    None when not known)."""
    problems: list[Problem] = []
    env, path = scope.environment, scope.path
    es, ps = scope.env_start, scope.path_start
    if env.strip() == "":
        problems.append(
            Problem(
                "error",
                "scope-empty-env",
                f"Scope '{scope.text}' has no environment slug.",
                "Write it as <env-slug>:<folder-path>, e.g. dev:/backend/**.",
                start=es,
                end=max(scope.env_end, es + 1),
            )
        )
    elif env != env.strip() or _SPACE.search(env):
        problems.append(
            Problem(
                "error",
                "scope-whitespace",
                f"Environment slug '{env}' contains whitespace.",
                "Slugs never contain spaces; the CLI would send it as typed.",
                start=es,
                end=scope.env_end,
                fix=Fix("Remove the whitespace", es, scope.env_end, re.sub(r"\s+", "", env)),
            )
        )
    if path == "":
        problems.append(
            Problem(
                "error",
                "scope-empty-path",
                _empty_path_text(scope, alone, generation),
                "Use / for the root folder only, or /** for every folder.",
                start=ps - 1,
                end=ps,
                fix=Fix("Use /** (every folder)", ps, ps, "/**"),
            )
        )
        return problems
    if _SPACE.search(path):
        stripped = path.strip()
        problems.append(
            Problem(
                "error",
                "scope-whitespace",
                f"Path '{path}' contains whitespace.",
                "Folder names cannot contain spaces; remove them.",
                start=ps,
                end=scope.path_end,
                fix=Fix("Remove the whitespace", ps, scope.path_end, stripped) if stripped != path else None,
            )
        )
    if not starts_matchable(path.lstrip()):
        problems.append(
            Problem(
                "error",
                "scope-no-leading-slash",
                _no_leading_slash_text(scope, alone, generation),
                f"Folder paths are absolute: /{path.lstrip('/')}.",
                start=ps,
                end=scope.path_end,
                fix=Fix("Add the leading /", ps, ps, "/"),
            )
        )
    unbalanced = _unbalanced(path)
    if unbalanced is not None:
        char, index = unbalanced
        problems.append(
            Problem(
                "error",
                "scope-unbalanced",
                f"'{char}' in '{path}' has no partner, so picomatch reads it as a literal character "
                "and the path can never match a folder.",
                "Close it, or escape it with a backslash if you mean the character itself.",
                start=ps + index,
                end=ps + index + 1,
            )
        )
    index = path.find("//")
    if index >= 0:
        problems.append(
            Problem(
                "error",
                "scope-double-slash",
                f"Path '{path}' contains '//', an empty folder name that no folder path has.",
                "Remove the extra slash.",
                start=ps + index,
                end=ps + index + 2,
                fix=Fix("Remove the extra slash", ps + index, ps + index + 2, "/"),
            )
        )
    try:
        validate(path)
    except GlobSyntaxError as err:
        problems.append(
            Problem("error", "scope-invalid-glob", f"Path is not a usable glob: {err}.", start=ps, end=scope.path_end)
        )
    if problems:
        return problems
    normalized = normalize_path(path)
    if normalized != "/" and GLOB_CHARS.isdisjoint(normalized):
        trailing = " (the server removes the trailing '/')" if path.endswith("/") else ""
        problems.append(
            Problem(
                "warning",
                "scope-exact-folder",
                f"'{path}' covers only the folder {normalized} itself{trailing}, not its subfolders.",
                f"Use {normalized}/** to include everything below it.",
                start=ps,
                end=scope.path_end,
                fix=Fix(f"Use {normalized}/**", ps, scope.path_end, f"{normalized}/**"),
            )
        )
    return problems


# ---------------------------------------------------------------------- checks against a catalog


def closest(word: str, candidates: Iterable[str]) -> str | None:
    options = list(candidates)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    import difflib  # only a catalog check that meets an unknown slug needs it

    found = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return found[0] if found else None


def check_environment(scope: Scope, slugs: Sequence[str]) -> Problem | None:
    if scope.environment in slugs or not scope.environment.strip():
        return None
    suggestion = closest(scope.environment, slugs)
    known = ", ".join(slugs) if slugs else "none"
    hint = f"Did you mean '{suggestion}'? " if suggestion else ""
    return Problem(
        "error",
        "scope-unknown-env",
        f"Environment '{scope.environment}' does not exist in this project (slugs are case-sensitive).",
        f"{hint}Known environments: {known}.",
        start=scope.env_start,
        end=scope.env_end,
        fix=Fix(f"Use '{suggestion}'", scope.env_start, scope.env_end, suggestion) if suggestion else None,
    )


def check_folders(scope: Scope, covered: Sequence[str]) -> Problem | None:
    """Warn when the scope covers no existing folder of its environment (``covered``: the folders it grants)."""
    if covered or any(p.severity == "error" for p in lint_scope(scope)):
        return None
    return Problem(
        "warning",
        "scope-no-folder",
        f"'{scope.path}' covers no existing folder in '{scope.environment}'.",
        "The token will read nothing until such a folder exists.",
        start=scope.path_start,
        end=scope.path_end,
    )
