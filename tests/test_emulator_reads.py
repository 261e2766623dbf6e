"""The emulator reads secrets as each real server does (issue 18): the reference table of what a service token
reads on 2024 and 2026, pinning included, over real loopback HTTP with the requests a client sends."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infisical_tokens.core.picomatch import scan_is_glob
from tests.emulator import Emulator, Seeded, client, seed

GLOB_DIR = Path(__file__).parent / "glob"
READS = [("dev", "/backend"), ("dev", "/"), ("dev", "/frontend"), ("staging", "/")]
BACKEND = ["dev/backend:BACKEND_KEY"]
STAGING_ROOT = ["staging/:ROOT_KEY"]
NOTHING: list[str] = []

# token's scopes -> generation -> what each of READS gives: the secret values read, or an error status.
TABLE: list[tuple[str, list[tuple[str, str]], dict[str, list[list[str] | int]]]] = [
    (
        "dev:backend alone",
        [("dev", "backend")],
        {"old": [NOTHING] * 4, "new": [BACKEND] * 4},
    ),
    ("dev: alone", [("dev", "")], {"old": [500] * 4, "new": [NOTHING] * 4}),
    ("dev:/backend alone", [("dev", "/backend")], {"old": [BACKEND] * 4, "new": [BACKEND] * 4}),
    (
        "dev:backend + staging:/",
        [("dev", "backend"), ("staging", "/")],
        {"old": [403, 403, 403, STAGING_ROOT], "new": [NOTHING, NOTHING, NOTHING, STAGING_ROOT]},
    ),
    (
        "dev: + staging:/",
        [("dev", ""), ("staging", "/")],
        {"old": [500, 500, 500, STAGING_ROOT], "new": [NOTHING, NOTHING, NOTHING, STAGING_ROOT]},
    ),
    (
        "dev:/backend/** (glob)",
        [("dev", "/backend/**")],
        {"old": [BACKEND, 403, 403, 403], "new": [BACKEND, NOTHING, NOTHING, NOTHING]},
    ),
]


@pytest.fixture(params=["old", "new"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, Seeded]]:
    with Emulator(request.param) as emulator:
        yield emulator, seed(emulator)


def create_token(emulator: Emulator, world: Seeded, scopes: list[tuple[str, str]]) -> str:
    return client.create_token(emulator, emulator.state.issue_jwt(world.admin), world.project.id, scopes)


read = client.read_secrets
outcome = client.secret_values


@pytest.mark.parametrize(("label", "scopes", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_every_scope_form_reads_what_the_real_server_read(
    server: tuple[Emulator, Seeded],
    label: str,
    scopes: list[tuple[str, str]],
    expected: dict[str, list[list[str] | int]],
) -> None:
    emulator, world = server
    token = create_token(emulator, world, scopes)
    got = [outcome(read(emulator, token, world.project.id, env, path)) for env, path in READS]
    assert got == expected[emulator.mode], label


def test_error_answers_of_reads_have_each_servers_words(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    token = create_token(emulator, world, [("dev", "backend"), ("staging", "/")])
    denied = read(emulator, token, world.project.id, "dev", "/").json()
    empty = create_token(emulator, world, [("dev", "")])
    failed = read(emulator, empty, world.project.id, "dev", "/").json()
    if emulator.mode == "old":
        assert denied == {
            "statusCode": 403,
            "message": "You are not allowed to read on secrets",
            "error": "PermissionDenied",
        }
        assert failed == {"statusCode": 500, "message": "Something went wrong", "error": "InternalServerError"}
    else:
        assert denied == {"secrets": [], "imports": []}
        assert failed == {"secrets": [], "imports": []}


def test_a_secret_has_each_generations_keys(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    token = create_token(emulator, world, [("dev", "/backend")])
    body = read(emulator, token, world.project.id, "dev", "/backend").json()
    common = {
        "id", "_id", "workspace", "environment", "version", "type", "secretKey", "secretValue", "secretComment",
        "secretReminderNote", "secretReminderRepeatDays", "skipMultilineEncoding", "createdAt", "updatedAt",
        "secretPath", "tags",
    }  # fmt: skip
    if emulator.mode == "old":
        assert set(body) == {"secrets"}
        assert set(body["secrets"][0]) == common | {"metadata"}
    else:
        assert set(body) == {"secrets", "imports"}
        assert set(body["secrets"][0]) == common | {
            "isRotatedSecret",
            "rotationId",
            "secretValueHidden",
            "secretMetadata",
        }
    secret = body["secrets"][0]
    assert (secret["secretKey"], secret["secretPath"], secret["environment"]) == ("BACKEND_KEY", "/backend", "dev")


def test_a_pinned_token_ignores_the_project_it_is_asked_about(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    token = create_token(emulator, world, [("prod", "/backend/api")])
    answer = read(emulator, token, world.other_project.id, "dev", "/")
    assert outcome(answer) == ["prod/backend/api:API_KEY"]


def test_a_matched_token_may_not_read_another_project(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    token = create_token(emulator, world, [("dev", "/**")])
    answer = read(emulator, token, world.other_project.id, "dev", "/")
    assert answer.status_code == 403
    assert answer.json()["message"] == "Failed to find service authorization for given project"


def test_members_read_any_folder_and_others_are_refused(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    viewer = emulator.state.issue_jwt(world.viewer)
    assert outcome(read(emulator, viewer, world.project.id, "staging", "/backend")) == ["staging/backend:BACKEND_KEY"]
    assert outcome(read(emulator, viewer, world.project.id, "dev", "/nope")) == NOTHING
    refused = read(emulator, viewer, world.other_project.id, "dev", "/")
    assert refused.status_code == 403
    assert refused.json()["error"] == "User not a part of the specified project"


def test_added_secrets_are_read_in_order(server: tuple[Emulator, Seeded]) -> None:
    emulator, world = server
    emulator.state.add_secret(world.project, "dev", "/backend", "DB_PASSWORD", "hunter2")
    token = create_token(emulator, world, [("dev", "/backend")])
    assert outcome(read(emulator, token, world.project.id, "dev", "/")) == [BACKEND[0], "hunter2"]


def test_the_2024_server_allows_40_secret_reads_a_minute_after_checking_the_credential() -> None:
    with Emulator("old") as emulator:
        world = seed(emulator)
        token = create_token(emulator, world, [("dev", "/backend")])
        expired = emulator.state.issue_jwt(world.admin, expires_in=-10)
        for _ in range(45):  # a refused credential uses no budget
            assert read(emulator, expired, world.project.id, "dev", "/").status_code == 403
        answers = [read(emulator, token, world.project.id, "dev", "/") for _ in range(41)]
    assert [a.status_code for a in answers] == [200] * 40 + [500]
    assert answers[0].headers["x-ratelimit-limit"] == "40"
    assert answers[0].headers["x-ratelimit-remaining"] == "39"
    assert int(answers[40].headers["Retry-After"]) > 0
    assert answers[40].json() == {"statusCode": 500, "message": "Something went wrong", "error": "InternalServerError"}


def test_a_2026_cloud_server_answers_429_and_self_hosted_never_limits() -> None:
    with Emulator("new", cloud=True, rate_limit=3) as cloud, Emulator("new") as hosted:
        cloud_world, hosted_world = seed(cloud), seed(hosted)
        cloud_token = create_token(cloud, cloud_world, [("dev", "/backend")])
        hosted_token = create_token(hosted, hosted_world, [("dev", "/backend")])
        limited = [read(cloud, cloud_token, cloud_world.project.id, "dev", "/") for _ in range(4)]
        free = [read(hosted, hosted_token, hosted_world.project.id, "dev", "/") for _ in range(70)]
    assert [a.status_code for a in limited] == [200, 200, 200, 429]
    body = limited[3].json()
    assert body["error"] == "RateLimitExceeded"
    assert body["message"] == f"Rate limit exceeded. Please try again in {limited[3].headers['Retry-After']} seconds"
    assert {a.status_code for a in free} == {200}


# ------------------------------------------------------------------ pinning asks picomatch.scan(path).isGlob


def scope_paths() -> list[str]:
    """Hand-picked shapes plus a fixed random sample of the characters picomatch treats specially."""
    picked = ["/backend", "backend", "", "/", "/a{b}*", "/a{b,c}", "\\{a,b}", "/a[b", "/a[b]", "/a\\[b]", "!foo"]
    picked += ["!(a)", "/a/**", "/a?", "/a(b)", "/a+(b)", "/a.{1..3}", "/a@b", "/x\\*", "[\\]]", "/a{b.c}", "{a.}"]
    alphabet = "/ab.*?[]{},()!@+\\"
    rng = random.Random(18)
    return picked + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]


def test_pinning_decides_glob_or_not_exactly_as_picomatch_scan() -> None:
    node = shutil.which("node")
    if node is None or not (GLOB_DIR / "node_modules" / "picomatch").is_dir():
        pytest.skip("node or tests/glob/node_modules missing (make test installs them)")
    program = (
        'import picomatch from "picomatch"; import { readFileSync } from "node:fs";'
        "const paths = JSON.parse(readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(paths.map((p) => picomatch.scan(p).isGlob)));"
    )
    paths = scope_paths()
    real = subprocess.run(
        [node, "--input-type=module", "-e", program],
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        cwd=GLOB_DIR,
        check=True,
        timeout=60,
    )
    expected: list[Any] = json.loads(real.stdout)
    differences = [(p, e) for p, e in zip(paths, expected, strict=True) if scan_is_glob(p) != e]
    assert differences == []


def last_used(emulator: Emulator, jwt: str, project_id: str) -> str | None:
    """The newest token's ``lastUsed`` in the project's token list."""
    rows = requests.get(
        f"{emulator.api_url}/v1/projects/{project_id}/service-token-data",
        headers={"Authorization": f"Bearer {jwt}"},
        timeout=5,
    ).json()["serviceTokenData"]
    value: str | None = rows[0]["lastUsed"]
    return value


def test_last_used_shows_a_use_only_after_the_delay() -> None:
    """The real server writes lastUsed from a queued job about a minute after a use; tests may shorten that."""
    with Emulator("new", last_used_delay=0.5) as quick, Emulator("new") as real:
        asks = []
        for emulator in (quick, real):
            world = seed(emulator)
            read(emulator, create_token(emulator, world, [("dev", "/backend")]), world.project.id, "dev", "/")
            asks.append((emulator, emulator.state.issue_jwt(world.admin), world.project.id))
        at_once = [last_used(*ask) for ask in asks]
        time.sleep(0.7)
        later = [last_used(*ask) for ask in asks]
    assert at_once == [None, None]
    assert later[0] is not None and later[1] is None
