"""What a token reads, per server generation: the reference table of the two real servers, row by row."""

from __future__ import annotations

import pytest

from infisical_tokens.core.reach import Answer, Generation, answer, explain, pinned, reads_nothing, unrooted

BACKEND = Answer(200, ("dev", "/backend"))
NOTHING = Answer(200)
READS = (("dev", "/backend"), ("dev", "/"), ("dev", "/frontend"), ("staging", "/"))

# token's scopes, generation -> what reading dev /backend, dev /, dev /frontend, staging / answers
TABLE: list[tuple[list[tuple[str, str]], Generation, tuple[Answer, Answer, Answer, Answer]]] = [
    ([("dev", "backend")], "2024", (NOTHING, NOTHING, NOTHING, NOTHING)),
    ([("dev", "backend")], "2026", (BACKEND, BACKEND, BACKEND, BACKEND)),
    ([("dev", "")], "2024", (Answer(500), Answer(500), Answer(500), Answer(500))),
    ([("dev", "")], "2026", (NOTHING, NOTHING, NOTHING, NOTHING)),
    ([("dev", "/backend")], "2024", (BACKEND, BACKEND, BACKEND, BACKEND)),
    ([("dev", "/backend")], "2026", (BACKEND, BACKEND, BACKEND, BACKEND)),
    (
        [("dev", "backend"), ("staging", "/")],
        "2024",
        (Answer(403), Answer(403), Answer(403), Answer(200, ("staging", "/"))),
    ),
    ([("dev", "backend"), ("staging", "/")], "2026", (NOTHING, NOTHING, NOTHING, Answer(200, ("staging", "/")))),
    ([("dev", ""), ("staging", "/")], "2024", (Answer(500), Answer(500), Answer(500), Answer(200, ("staging", "/")))),
    ([("dev", ""), ("staging", "/")], "2026", (NOTHING, NOTHING, NOTHING, Answer(200, ("staging", "/")))),
    ([("dev", "/backend/**")], "2026", (BACKEND, NOTHING, NOTHING, NOTHING)),
    ([("dev", "/backend/**")], "2024", (BACKEND, Answer(403), Answer(403), Answer(403))),
    # CASL tries the last rule first: an empty path fails a read only when no later scope allowed it
    ([("dev", ""), ("dev", "/backend")], "2024", (BACKEND, Answer(500), Answer(500), Answer(403))),
    ([("dev", "/backend"), ("dev", "")], "2024", (Answer(500), Answer(500), Answer(500), Answer(403))),
    ([("dev", ""), ("dev", "/backend")], "2026", (BACKEND, NOTHING, NOTHING, NOTHING)),
    ([("dev", "/backend"), ("dev", "")], "2026", (BACKEND, NOTHING, NOTHING, NOTHING)),
]


@pytest.mark.parametrize(("scopes", "generation", "expected"), TABLE, ids=lambda v: repr(v))
def test_reads_as_the_real_servers_did(
    scopes: list[tuple[str, str]], generation: Generation, expected: tuple[Answer, ...]
) -> None:
    assert tuple(answer(scopes, generation, env, path) for env, path in READS) == expected


def test_an_unrooted_scope_matches_a_read_asked_without_the_slash() -> None:
    scopes = [("dev", "backend"), ("staging", "/")]
    assert answer(scopes, "2026", "dev", "backend") == BACKEND  # the 2026 server roots the folder it looks up
    assert answer(scopes, "2024", "dev", "backend") == NOTHING  # allowed, but 2024 looks 'backend' up as written
    assert answer(scopes, "2026", "dev", "/backend") == NOTHING
    assert answer(scopes, "2024", "dev", "/backend") == Answer(403)


def test_pinning_is_the_only_non_glob_scope_as_the_server_stores_it() -> None:
    assert pinned([("dev", "/backend/")]) == ("dev", "/backend")  # one trailing / removed, as stored
    assert pinned([(" dev ", "/a")]) == ("dev", "/a")
    assert pinned([("dev", "/backend/**")]) is None
    assert pinned([("dev", "/{a,b}")]) is None
    assert pinned([("dev", "/{a}")]) == ("dev", "/{a}")  # picomatch.scan: a brace without , or .. is no glob
    assert pinned([("dev", "/a"), ("dev", "/b")]) is None


def test_explanations_never_promise_a_403_when_the_generation_is_unknown() -> None:
    for scopes in ([("dev", "/backend/**")], [("dev", "/a"), ("prod", "/b")]):
        text = " ".join(explain(scopes, None))
        assert (
            "is refused (403 PermissionDenied) on a 2024 server, gets an empty list (200, no secrets) on a 2026" in text
        )
        assert "403" not in " ".join(explain(scopes, "2026"))
    assert explain([("dev", "/backend")], None) == [
        "Its only scope is not a glob, so the token is pinned: every read gets the secrets of /backend in 'dev', "
        "whatever folder or environment it asks for."
    ]
    pinned_bare = explain([("dev", "backend")], None)[0]
    assert "every read gets an empty list (no secrets) on a 2024 server" in pinned_bare
    assert "every read gets the secrets of /backend in 'dev' (whatever it asks for) on a 2026 server" in pinned_bare


def test_scopes_that_read_nothing() -> None:
    assert reads_nothing([("dev", "")], "2026") == [(("dev", ""), "every read gets an empty list (no secrets)")]
    assert reads_nothing([("dev", "")], "2024") == [(("dev", ""), "every read fails with HTTP 500")]
    assert reads_nothing([("dev", "backend")], "2026") == []  # pinned: it reads /backend
    assert reads_nothing([("dev", "backend")], "2024") == [
        (("dev", "backend"), "every read gets an empty list (no secrets)")
    ]
    # beside other scopes it reads for a client asking for 'backend': nothing only on a 2024 server
    assert reads_nothing([("dev", "backend"), ("staging", "/")], None) == []
    assert reads_nothing([("dev", "backend"), ("staging", "/")], "2026") == []
    assert reads_nothing([("dev", "backend")], None) == []  # pinned: it reads /backend on a 2026 server
    assert reads_nothing([("dev", "backend"), ("staging", "/")], "2024") == [
        (
            ("dev", "backend"),
            "only a client asking for 'backend', not '/backend', matches it, and gets an empty list (no folder's "
            "path lacks the '/')",
        )
    ]
    assert unrooted([("dev", "backend"), ("staging", "/")], "2026") == [
        (
            ("dev", "backend"),
            "only a client asking for 'backend', not '/backend', matches it, and gets the secrets of /backend",
        )
    ]
    assert unrooted([("dev", "backend"), ("staging", "/")], "2024") == []
    empty = reads_nothing([("dev", ""), ("dev", "/backend")], "2024")
    assert empty == [(("dev", ""), "reads in 'dev' that no later scope allows fail with HTTP 500")]
    assert reads_nothing([("dev", "/backend"), ("dev", "/**")], None) == []
