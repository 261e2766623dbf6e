"""The catalog answers at once and refreshes in the background, without hammering a server that refuses."""

from __future__ import annotations

import time

from infisical_tokens.core.catalog import Catalog, Loaded
from infisical_tokens.core.models import Environment, ProjectInfo
from infisical_tokens.core.needs import Need


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failing_project_is_not_asked_again_on_every_read() -> None:
    calls: list[str] = []

    def fetch(project_id: str, needs: frozenset[Need]) -> Loaded:
        calls.append(project_id)
        raise PermissionError("403 Forbidden")

    clock = Clock()
    catalog = Catalog(fetch, clock=clock, retry_after=60)
    try:
        first = catalog.refresh("p")
        assert first.exception() is not None
        for _ in range(20):
            snapshot = catalog.snapshot("p", ["dev"])
            assert not snapshot.online and snapshot.error == "403 Forbidden"
        time.sleep(0.3)  # room for any fetch a read might have started in the background
        assert calls == ["p"]
        clock.now += 61
        catalog.snapshot("p")
        catalog.refresh("p").exception()
        assert len(calls) == 2
    finally:
        catalog.close()


def test_a_loaded_project_is_served_from_the_cache() -> None:
    calls: list[str] = []
    project = ProjectInfo("p", "Demo", "demo", (Environment("Development", "dev"),))

    def fetch(project_id: str, needs: frozenset[Need]) -> Loaded:
        calls.append(project_id)
        return Loaded(project, {"dev": ["/", "/backend"]})

    catalog = Catalog(fetch, clock=Clock())
    try:
        catalog.wait("p", timeout=10)
        for _ in range(20):
            assert catalog.snapshot("p").slugs == ["dev"]
        time.sleep(0.3)
        assert calls == ["p"]
    finally:
        catalog.close()


def test_wanted_listings_are_read_and_a_failed_refresh_says_so() -> None:
    """Editors ask for the listings they lack; a refresh that fails later keeps the data but reports the error."""
    project = ProjectInfo("p", "Demo", "demo", (Environment("Development", "dev"),))
    asked: list[frozenset[Need]] = []
    failing = False

    def fetch(project_id: str, needs: frozenset[Need]) -> Loaded:
        if failing:
            raise ConnectionError("connection refused")
        asked.append(needs)
        listed = frozenset({("dev", "/")} | {(n.environment, n.root) for n in needs})
        return Loaded(project, {"dev": ["/", "/backend"]}, listed)

    catalog = Catalog(fetch, clock=Clock(), retry_after=0)
    try:
        first = catalog.wait("p", timeout=10)
        assert not first.knows("dev", "/backend")
        second = catalog.wait("p", timeout=10, needs=[Need("dev", "/backend", deep=False)])
        assert second.knows("dev", "/backend") and Need("dev", "/backend", deep=False) in asked[-1]
        failing = True
        assert catalog.refresh("p").exception() is not None
        after = catalog.snapshot("p")
        assert after.slugs == ["dev"] and after.error == "connection refused"
    finally:
        catalog.close()
