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
from dataclasses import dataclass

from .glob import GlobSyntaxError, compile_glob
from .models import Generation
from .picomatch import scan_is_glob
from .scope import normalize_path, starts_matchable

__all__ = ["GENERATIONS", "Answer", "Generation", "answer", "explain", "pinned", "reads_nothing", "server_name"]

GENERATIONS: tuple[Generation, ...] = ("2024", "2026")
ScopePair = tuple[str, str]  # (environment slug, path), as typed or as the server lists them


@dataclass(frozen=True)
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
    own = [glob for env, glob in stored if env == environment]
    if generation == "2024" and "" in own:
        return Answer(500)
    if any(glob and _matches(path, glob) for glob in own):
        return Answer(200, (environment, path))
    return Answer(403) if generation == "2024" else Answer(200)


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
    return f"Its only scope is not a glob, so the token is pinned: {one_or_each(generation, said)}."


def scope_sentence(env: str, path: str, generation: Generation | None) -> str | None:
    """What one scope of a token with several scopes (or a glob) adds, when it is not what picomatch says."""
    path = normalize_path(path)
    if path == "":
        said: dict[Generation, str] = {
            "2024": f"every read in '{env}' fails with HTTP 500",
            "2026": NO_FOLDER,
        }
        return one_or_each(generation, said)
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
    """Scopes that can never give the token a secret, each with why (on every generation where they differ).

    An empty path (500 or nothing); a path picomatch cannot match that is not rescued by pinning (a single
    ``dev:backend`` reads ``/backend`` on a 2026 server only)."""
    stored = _stored(scopes)
    pin = pinned(stored)
    found = []
    for env, path in stored:
        if path == "":
            said: dict[Generation, str] = (
                {"2024": "every read fails with HTTP 500", "2026": EMPTY_LIST}
                if pin is not None
                else {"2024": f"every read in '{env}' fails with HTTP 500", "2026": NO_FOLDER}
            )
        elif not starts_matchable(path):
            if pin is not None:
                said = {"2024": EMPTY_LIST, "2026": f"it reads /{path} (pinned: only because it is alone)"}
                if generation == "2026":
                    continue
            else:
                said = {"2024": NO_FOLDER, "2026": NO_FOLDER}
        else:
            continue
        found.append(((env, path), one_or_each(generation, said)))
    return found
