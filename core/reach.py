"""What a service token really reads, as the two server generations decide it.

Both the 2024 and the 2026 servers pin a token whose only scope is not a glob (``picomatch.scan(path).isGlob``
false): every read gets that scope's environment and path, whatever the request asks. Other tokens are matched
with picomatch, and there the generations differ on what a scope they cannot use does (an empty path, a path
without a leading ``/``) and on a read outside every scope (403 on 2024, an empty list on 2026).

Pure functions: scopes as ``(environment, path)`` pairs as the server stores them, a generation or None (not
known: the sentences then say what each generation does where they differ).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .glob import GlobSyntaxError, compile_glob
from .models import Generation
from .picomatch import scan_is_glob
from .record import record
from .secret_path import normalize_path, starts_matchable

__all__ = [
    "GENERATIONS",
    "Answer",
    "Generation",
    "answer",
    "explain",
    "pinned",
    "reads_nothing",
    "server_name",
    "unrooted",
]

GENERATIONS: tuple[Generation, ...] = ("2024", "2026")
ScopePair = tuple[str, str]  # (environment slug, path), as typed or as the server lists them


@record
class Answer:
    """What ``GET /api/v3/secrets/raw`` answers the token for one environment and path."""

    status: int  # 200, 403 (2024: outside every scope) or 500 (2024: an empty scope path)
    folder: ScopePair | None = None  # whose secrets come back (when that folder exists); None: none at all


def _stored(scopes: Iterable[ScopePair]) -> list[ScopePair]:
    return [(env.strip(), normalize_path(path)) for env, path in scopes]


def pinned(scopes: Iterable[ScopePair]) -> ScopePair | None:
    """The scope every read is pinned to: the only scope, when its path is not a glob; else None."""
    stored = _stored(scopes)
    if len(stored) == 1 and not scan_is_glob(stored[0][1]):
        return stored[0]
    return None


def _matches(path: str, glob: str) -> bool:
    try:
        return compile_glob(glob)(path)
    except GlobSyntaxError:
        return False


def answer(scopes: Sequence[ScopePair], generation: Generation, environment: str, path: str) -> Answer:
    """The server's answer to a read of ``path`` in ``environment`` by a token with these scopes."""
    stored = _stored(scopes)
    pin = pinned(stored)
    if pin is not None:
        env, where = pin
        if where == "":
            return Answer(500) if generation == "2024" else Answer(200)
        if not where.startswith("/"):
            return Answer(200) if generation == "2024" else Answer(200, (env, "/" + where))
        return Answer(200, pin)
    for env, glob in reversed(stored):  # CASL tries the last rule first; the first that matches decides
        if env != environment:
            continue
        if glob == "" and generation == "2024":
            return Answer(500)  # picomatch throws on the empty glob, but only once a read gets this far
        if glob and _matches(path, glob):
            return Answer(200, _looked_up(environment, path, generation))
    return Answer(403) if generation == "2024" else Answer(200)


def _looked_up(environment: str, path: str, generation: Generation) -> ScopePair | None:
    """The folder an allowed read gets: a 2026 server roots the asked path (``backend`` reads ``/backend``), a
    2024 one looks it up as asked, and no folder's path lacks the leading ``/``."""
    if generation == "2026" and path:
        return environment, "/" + path.lstrip("/")
    return (environment, path) if path.startswith("/") else None


EMPTY_LIST = "every read gets an empty list (no secrets)"
NO_FOLDER = "it gives the token no folder"


def one_or_each(generation: Generation | None, said: Mapping[Generation, str]) -> str:
    """The sentence for the server in use; unknown: one sentence where both agree, else each generation's."""
    if generation is not None:
        return said[generation]
    if said["2024"] == said["2026"]:
        return said["2024"]
    return f"{said['2024']} on a 2024 server, {said['2026']} on a 2026 server"


OUTSIDE: Mapping[Generation, str] = {
    "2024": "is refused (403 PermissionDenied)",
    "2026": "gets an empty list (200, no secrets)",
}


SERVERS: Mapping[Generation, str] = {
    "2024": "a 2024 server (it lacks the 2026 routes)",
    "2026": "a 2026 server (it has the 2026 routes)",
}


def server_name(generation: Generation | None) -> str:
    """The server in use, as faces name it before saying how it answers reads."""
    return SERVERS[generation] if generation is not None else "a server of unknown generation"


def pinned_sentence(pin: ScopePair, generation: Generation | None) -> str:
    """What a pinned token reads, as one sentence."""
    return f"Its only scope is not a glob, so the token is pinned: {one_or_each(generation, pinned_said(pin))}."


def pinned_said(pin: ScopePair) -> dict[Generation, str]:
    """What every read of a pinned token gets, per generation."""
    env, path = pin
    if path == "":
        said: dict[Generation, str] = {
            "2024": "every read fails with HTTP 500",
            "2026": EMPTY_LIST,
        }
    elif not path.startswith("/"):
        said = {
            "2024": EMPTY_LIST,
            "2026": f"every read gets the secrets of /{path} in '{env}' (whatever it asks for)",
        }
    else:
        text = f"every read gets the secrets of {path} in '{env}', whatever folder or environment it asks for"
        said = {"2024": text, "2026": text}
    return said


def unrooted_said(path: str) -> dict[Generation, str]:
    """What a path without the leading ``/`` reads beside other scopes (or as a glob): the servers match the
    asked path as written, so only a client that asks without the ``/`` matches it (2026 then reads the rooted
    folder; 2024 looks the bare path up and finds nothing)."""
    if scan_is_glob(path):
        asks = f"a client asking for a path without the leading '/' that '{path}' matches"
        gets = "the secrets of that folder with '/' added"
    else:
        asks = f"a client asking for '{path}', not '/{path}',"
        gets = f"the secrets of /{path}"
    return {
        "2024": f"only {asks} matches it, and gets an empty list (no folder's path lacks the '/')",
        "2026": f"only {asks} matches it, and gets {gets}",
    }


def scope_sentence(env: str, path: str, generation: Generation | None) -> str | None:
    """What one scope of a token with several scopes (or a glob) adds, when it is not what picomatch says."""
    path = normalize_path(path)
    if path == "":
        said: dict[Generation, str] = {
            "2024": f"reads in '{env}' that no later scope allows fail with HTTP 500",
            "2026": NO_FOLDER,
        }
        return one_or_each(generation, said)
    if not starts_matchable(path):
        return one_or_each(generation, unrooted_said(path))
    return None


def outside_sentence(generation: Generation | None, read: str = "A read outside these folders") -> str:
    """What a read outside every scope answers (never promise a 403: a 2026 server answers 200)."""
    return f"{read} {one_or_each(generation, OUTSIDE)}."


def explain(scopes: Sequence[ScopePair], generation: Generation | None) -> list[str]:
    """Sentences that say how the token reads beyond "which folders each scope covers"."""
    pin = pinned(scopes)
    if pin is not None:
        return [pinned_sentence(pin, generation)]
    lines = []
    for env, path in _stored(scopes):
        extra = scope_sentence(env, path, generation)
        if extra is not None:
            lines.append(f"{env}:{path}: {extra}.")
    lines.append(outside_sentence(generation))
    return lines


def reads_nothing(scopes: Sequence[ScopePair], generation: Generation | None) -> list[tuple[ScopePair, str]]:
    """Scopes that can never give the token a secret on the server in use (on both generations when it is not
    known), each with why: an empty path (500 or nothing); a path without ``/`` on a 2024 server. On a 2026
    server such a path does read (pinned, or for a client asking without the ``/``): see :func:`unrooted`."""
    stored = _stored(scopes)
    pin = pinned(stored)
    found = []
    for env, path in stored:
        if path == "":
            said: dict[Generation, str] = (
                {"2024": "every read fails with HTTP 500", "2026": EMPTY_LIST}
                if pin is not None
                else {"2024": f"reads in '{env}' that no later scope allows fail with HTTP 500", "2026": NO_FOLDER}
            )
        elif not starts_matchable(path) and generation == "2024":
            said = {"2024": EMPTY_LIST if pin is not None else unrooted_said(path)["2024"], "2026": ""}
        else:
            continue
        found.append(((env, path), one_or_each(generation, said)))
    return found


def unrooted(scopes: Sequence[ScopePair], generation: Generation | None) -> list[tuple[ScopePair, str]]:
    """Paths without the leading ``/`` that do read on the server in use (a 2026 one, or one not known), each with
    what they read: still a likely mistake, but not one that reads nothing."""
    if generation == "2024":
        return []
    stored = _stored(scopes)
    pin = pinned(stored)
    if pin is not None:
        path = pin[1]
        if path and not starts_matchable(path):
            return [(pin, f"the token is pinned: {one_or_each(generation, pinned_said(pin))}")]
        return []
    return [
        ((env, path), one_or_each(generation, unrooted_said(path)))
        for env, path in stored
        if path and not starts_matchable(path)
    ]
