"""Issue 18: the client learns which server generation answers, and copes with each generation's rate limit
(2024: 500 with Retry-After; 2026 self-hosted: none; 2026 Cloud: 429 "Please try again in N seconds")."""

from __future__ import annotations

import re
import socket
import time

import pytest

from infisical_tokens.core.api import InfisicalClient
from infisical_tokens.core.errors import RateLimited, api_error_from
from tests.conftest import Runner
from tests.emulator import Emulator, seed

MISSING = "0badc0de-0000-4000-8000-000000000001"


@pytest.mark.parametrize(("mode", "generation"), [("old", "2024"), ("new", "2026")])
def test_the_generation_is_learnt_from_the_routes_the_server_has(mode: str, generation: str) -> None:
    with Emulator(mode, rate_limit=None) as emulator:  # type: ignore[arg-type]
        world = seed(emulator)
        jwt = emulator.state.issue_jwt(world.admin)
        with InfisicalClient(emulator.api_url, jwt) as client:
            assert client.generation is None
            client.list_service_tokens(world.project.id)  # the token list's route already tells
            before = len(emulator.requests)
            assert client.learn_generation(world.project.id) == generation
            assert len(emulator.requests) == before  # nothing more asked
        with InfisicalClient(emulator.api_url, jwt) as client:
            assert client.learn_generation(MISSING) == generation  # one probe, whatever it says of the project
            assert client.learn_generation(world.project.id) == generation
        with InfisicalClient(emulator.api_url, None) as anonymous:
            assert anonymous.learn_generation(world.project.id) == generation  # 401 on 2026, Fastify 404 on 2024


def test_an_unreachable_server_has_no_generation() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with InfisicalClient(f"http://127.0.0.1:{port}/api", "t", retries=0) as client:
        assert client.learn_generation("p") is None


def test_infisical_cloud_429_is_waited_out_for_reads() -> None:
    with Emulator("new", cloud=True, rate_limit=2, rate_window=1.0) as cloud:
        world = seed(cloud)
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        with InfisicalClient(cloud.api_url, cloud.state.issue_jwt(world.admin), sleep=sleep) as client:
            for _ in range(3):
                client.list_projects()
        limited = [r for r in cloud.requests if r.path == "/api/v1/workspace"]
    assert waits and all(0 < w <= 1.0 for w in waits)  # the Retry-After the server gave
    assert len(limited) == 3 + len(waits)


def test_infisical_cloud_429_beyond_the_bound_says_when_to_try_again(run: Runner) -> None:
    with Emulator("new", cloud=True, rate_limit=1, rate_window=100.0) as cloud:
        world = seed(cloud)
        env = {
            "INFISICAL_TOKEN": cloud.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": cloud.url,
            "INFISICAL_PROJECT_ID": world.project.id,
        }
        assert run("service-token", "list", env=env).code == 0
        refused = run("service-token", "list", env=env)
        asked = len([r for r in cloud.requests if r.path.endswith("service-token-data")])
    said = re.search(r"429 Too Many Requests: Rate limit exceeded\. Please try again in (\d+) seconds", refused.stderr)
    assert refused.code == 1 and said is not None and 90 <= int(said.group(1)) <= 100, refused.stderr
    assert f"Please try again in {said.group(1)} seconds. Rate-limited by the server." in refused.stderr
    assert refused.stderr.count("try again in") == 1, refused.stderr  # the wait is said once
    assert asked == 2  # a wait past the bound is not waited: said, at once
    assert env["INFISICAL_TOKEN"] not in refused.output


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("Rate limit exceeded. Please try again in 7 seconds", 7.0),
        ("Rate limit exceeded. Please try again in 1 second", 1.0),
        ("Rate limit exceeded. Please try again in 1234567890 seconds", None),  # not a wait anyone should honour
        ("Rate limit exceeded.", None),
    ],
)
def test_a_429_without_retry_after_waits_the_seconds_its_message_names(message: str, seconds: float | None) -> None:
    body = {"statusCode": 429, "message": message, "error": "RateLimitExceeded"}
    error = api_error_from("GET", "https://app.infisical.com/api/v1/workspace", 429, body, "", None)
    assert isinstance(error, RateLimited) and error.retry_after == seconds
    text = str(error)
    assert text.count("try again in") == 1, text  # said once: by the server's message, else by the hint
    assert ("try again in a minute" in text) == ("try again" not in message), text
