"""The installed ``infisical-tokens`` as a subprocess against the emulator: every flag, output and error path."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN_RE, Runner, link_project, needs_pty
from tests.emulator import Emulator, Seeded, seed

NINE_KEYS = ["name", "workspaceId", "scopes", "expiresIn", "encryptedKey", "iv", "tag", "randomBytes", "permissions"]


def only_post(emulator: Emulator) -> dict[str, Any]:
    posts = emulator.requests_to("POST", "/api/v2/service-token")
    assert len(posts) == 1
    return posts[0].body  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- create


def test_create_prints_the_cli_six_lines_on_stderr(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    result = run(
        "service-token", "create", "--scope=dev:/backend/**", "--access-level=read", "--access-level=write", env=login
    )
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:5] == [
        "New service token created",
        "Name: Service token generated via CLI",
        f"Project ID: {world.project.id}",
        "Access type: [read, write]",
        "Permission(s): ([environment: dev] [path: /backend/**])",
    ]
    assert lines[5].startswith("Service Token: ") and len(lines) == 6
    token = lines[5].removeprefix("Service Token: ")
    assert TOKEN_RE.fullmatch(token)

    body = only_post(emulator)
    request = emulator.requests_to("POST", "/api/v2/service-token")[0]
    assert request.path == "/api/v2/service-token/"
    assert list(body) == NINE_KEYS
    assert body["scopes"] == [{"environment": "dev", "secretPath": "/backend/**"}]
    assert body["permissions"] == ["read", "write"]
    assert body["expiresIn"] == 86400
    assert (body["encryptedKey"], body["iv"], body["tag"]) == ("", "", "")
    assert token.endswith("." + body["randomBytes"]) and len(body["randomBytes"]) == 32
    assert request.headers["authorization"] == f"Bearer {login['INFISICAL_TOKEN']}"
    assert request.headers["accept"] == "application/json"
    # the token works: the server knows it by its first three segments
    row = emulator.state.tokens[token.split(".")[1]]
    assert row.scopes == [{"environment": "dev", "secretPath": "/backend/**"}]


def test_token_only_prints_just_the_token_on_stdout(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", env=login)
    assert result.code == 0
    assert result.stderr == ""
    assert TOKEN_RE.fullmatch(result.stdout.removesuffix("\n")) and result.stdout.endswith("\n")


@pytest.mark.parametrize(
    ("args", "scopes", "permissions", "name", "expires"),
    [
        (["-sdev:/a/**", "-aread"], [("dev", "/a/**")], ["read"], "Service token generated via CLI", 86400),
        (["-s=dev:/", "-a=write", "-n", "ci"], [("dev", "/")], ["write"], "ci", 86400),
        (
            ["--scope", "dev:/,prod:/api/**", "-a", "read,write", "--name=x y"],
            [("dev", "/"), ("prod", "/api/**")],
            ["read", "write"],
            "x y",
            86400,
        ),
        (
            ["--scope=dev:/", "--scope=staging:/backend/**", "-a", "read", "-e", "0"],
            [("dev", "/"), ("staging", "/backend/**")],
            ["read"],
            "Service token generated via CLI",
            0,
        ),
        (
            ["-s", "dev:/", "-a", "read", "--expiry-seconds=0x10"],
            [("dev", "/")],
            ["read"],
            "Service token generated via CLI",
            16,
        ),
        (
            ["-s", "dev:/", "-a", "read", "-e", "1_000"],
            [("dev", "/")],
            ["read"],
            "Service token generated via CLI",
            1000,
        ),
        (["-s", "dev:/", "-a", "read", "-a", "read", "--name="], [("dev", "/")], ["read", "read"], "", 86400),
        (["-s", '"dev:/a,b"', "-a", "read"], [("dev", "/a,b")], ["read"], "Service token generated via CLI", 86400),
    ],
)
def test_create_flags_reach_the_request(
    run: Runner,
    emulator: Emulator,
    login: dict[str, str],
    args: list[str],
    scopes: list[tuple[str, str]],
    permissions: list[str],
    name: str,
    expires: int,
) -> None:
    result = run("service-token", "create", "--token-only", *args, env=login)
    assert result.code == 0, result.stderr
    body = only_post(emulator)
    assert [(s["environment"], s["secretPath"]) for s in body["scopes"]] == scopes
    assert body["permissions"] == permissions
    assert body["name"] == name
    assert body["expiresIn"] == expires


def test_project_id_resolution_order(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    env = {k: v for k, v in login.items() if k != "INFISICAL_PROJECT_ID"}
    nested = run.cwd / "a" / "b"
    nested.mkdir(parents=True)
    link_project(run.cwd, world.other_project.id)
    args = ("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only")

    assert run(*args, env=env, cwd=nested).code == 0  # nearest .infisical.json, walking up
    assert emulator.requests[-1].body["workspaceId"] == world.other_project.id
    assert run(*args, env={**env, "INFISICAL_PROJECT_ID": f"  {world.project.id} "}, cwd=nested).code == 0
    assert emulator.requests[-1].body["workspaceId"] == world.project.id
    assert run(*args, "--projectId", world.other_project.id, env={**env, "INFISICAL_PROJECT_ID": "nope"}).code == 0
    assert emulator.requests[-1].body["workspaceId"] == world.other_project.id


def test_dry_run_sends_nothing_and_shows_coverage(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    result = run(
        "service-token", "create", "-s", "dev:/backend/**", "-s", "prod:/x/**", "-a", "read", "--dry-run", env=login
    )
    assert result.code == 0, result.stderr
    assert emulator.requests_to("POST", "/api/v2/service-token") == []
    assert not emulator.state.tokens
    assert "Dry run: nothing was sent." in result.stdout
    assert "dev:/backend/**: /backend, /backend/api, /backend/worker" in result.stdout
    assert "prod:/x/**: none yet" in result.stdout
    assert login["INFISICAL_TOKEN"] not in result.output


def test_dry_run_without_credentials_still_checks(run: Runner, world: Seeded) -> None:
    result = run(
        "service-token", "create", "-s", "dev:/b/**", "-a", "read", "--dry-run", "--projectId", world.project.id
    )
    assert result.code == 0
    assert "You must be logged in" in result.stderr and "Checking offline." in result.stderr
    assert "Folder coverage: unavailable" in result.stdout


# ---------------------------------------------------------------------- bad input: exit 1, nothing sent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "You must define the environments and paths your service token should have access to via the --scope flag",
        ),
        (
            ["-s", "dev:/"],
            "You must define whether your service token can be used to read and or write via the --access-level flag",
        ),
        (
            ["-s", "dev:/a:b", "-a", "read"],
            "--scope flag is malformed. Each scope flag should be in the following format",
        ),
        (["-s", "dev", "-a", "read"], "--scope flag is malformed"),
        (["-s", "dev:/", "-a", "admin"], "--access-level can only be of values read and write"),
        (["-s", "dev:/", "-a", "Read"], "Did you mean 'read'?"),
        (["-s", "dev:", "-a", "read"], "has an empty path"),
        (["-s", "dev:backend", "-a", "read"], "does not start with '/'"),
        (["-s", "dev:/back[end", "-a", "read"], "has no partner"),
        (["-s", "dev:/a//b", "-a", "read"], "contains '//'"),
        (["-s", "dev:/a b", "-a", "read"], "contains whitespace"),
        (["-s", ":/", "-a", "read"], "has no environment slug"),
        (["-s", "dev:/a" + "\\" * 4, "-a", "read"], "picomatch never finishes compiling this pattern"),
        (["-s", 'dev:/a"b', "-a", "read"], 'bare " in non-quoted field'),
        (
            ["-s", "dev:/", "-a", "read", "-e", "soon"],
            'invalid argument "soon" for "-e, --expiry-seconds" flag: strconv.ParseInt',
        ),
        (["-s", "dev:/", "-a", "read", "-e", "-60"], "would create a token that has already expired"),
        (["-s", "dev:/", "-a", "read", "-e", "10000000000000"], "past the latest date the server can store"),
        (["-s", "dev:/", "-a", "read", "--token"], "unknown flag: --token"),
        (["-s", "dev:/", "-a", "read", "-x"], "unknown shorthand flag: 'x' in -x"),
        (["-s", "dev:/", "-a", "read", "extra"], "accepts 0 arg(s), received 1"),
        (["-s", "dev:/", "-a"], "flag needs an argument: 'a' in -a"),
        (["-s", "dev:/", "-a", "read", "--token-only=maybe"], 'strconv.ParseBool: parsing "maybe"'),
        (["-s", "prd:/", "-a", "read"], "Did you mean 'prod'?"),
        (["-s", "DEV:/", "-a", "read"], "Environment 'DEV' does not exist"),
    ],
)
def test_bad_input_is_refused_before_sending(
    run: Runner,
    emulator: Emulator,
    login: dict[str, str],
    args: list[str],
    message: str,
) -> None:
    result = run("service-token", "create", *args, env=login)
    assert result.code == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert emulator.requests_to("POST", "/api/v2/service-token") == []
    assert login["INFISICAL_TOKEN"] not in result.output


def test_exact_folder_is_a_warning_not_an_error(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    result = run("service-token", "create", "-s", "dev:/backend", "-a", "read", env=login)
    assert result.code == 0
    assert "Warning: '/backend' covers only the folder /backend itself" in result.stderr
    assert "hint: Use /backend/** to include everything below it." in result.stderr
    silent = run("service-token", "create", "-s", "dev:/backend", "-a", "read", "--silent", env=login)
    assert "Warning" not in silent.stderr and silent.code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["service-tokn", "create"], 'unknown command "service-tokn"'),
        (["service-token", "creat"], "Did you mean 'create'?"),
        (["service-token", "delete"], "accepts 1 arg(s), received 0"),
    ],
)
def test_unknown_commands(run: Runner, argv: list[str], message: str) -> None:
    result = run(*argv)
    assert result.code == 1
    assert message in result.stderr


def test_help_runs_nothing(run: Runner) -> None:
    result = run("service-token", "create", "--help", "-s", "nonsense")
    assert result.code == 0
    assert "Usage:\n  infisical-tokens service-token create [flags]" in result.stdout
    assert "-s, --scope strings" in result.stdout
    assert "--name string" in result.stdout and 'default "Service token generated via CLI"' in result.stdout
    assert "Default: INFISICAL_PROJECT_ID, then the project linked in the nearest .infisical.json" in result.stdout
    group = run("service-token")
    assert group.code == 0 and "Available Commands:" in group.stdout
    assert run("--version").stdout.startswith("infisical-tokens ")


# ---------------------------------------------------------------------- project and credentials


def test_no_project_linked(run: Runner, world: Seeded, login: dict[str, str]) -> None:
    env = {k: v for k, v in login.items() if k != "INFISICAL_PROJECT_ID"}
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env=env)
    assert result.code == 1
    assert result.stderr.strip() == (  # the CLI's words, after the one prefix every error here has
        "error: Please either run infisical init to connect to a project or pass in project id with --projectId flag"
    )
    (run.cwd / ".infisical.json").write_text("{not json")
    broken = run("service-token", "create", "-s", "dev:/", "-a", "read", env=env)
    assert broken.code == 1 and "is not valid JSON" in broken.stderr


def test_not_logged_in(run: Runner, world: Seeded) -> None:
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", "--projectId", world.project.id)
    assert result.code == 1
    assert "You must be logged in to run this command. To login, run [infisical login]" in result.stderr


def test_service_token_cannot_create(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", env=login).stdout.strip()
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env={**login, "INFISICAL_TOKEN": created})
    assert result.code == 1
    assert "holds a service token, which cannot create service tokens" in result.stderr
    assert created not in result.output


def test_service_token_cannot_list(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", env=login).stdout.strip()
    result = run("service-token", "list", env={**login, "INFISICAL_TOKEN": created})
    assert result.code == 1
    assert "listing, creating and deleting service tokens needs a user login" in result.stderr
    assert created not in result.output


def test_identity_token_cannot_create(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    identity = emulator.state.add_identity({world.project.id: "admin"})
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env={**login, "INFISICAL_TOKEN": identity})
    assert result.code == 1 and "machine identity token" in result.stderr


def test_expired_access_token(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    expired = emulator.state.issue_jwt(world.admin, expires_in=-10)
    result = run("service-token", "list", env={**login, "INFISICAL_TOKEN": expired})
    assert result.code == 1 and "INFISICAL_TOKEN has expired" in result.stderr


def test_repository_domain_is_not_trusted_with_a_token(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    env = {k: v for k, v in login.items() if k not in ("INFISICAL_DOMAIN", "INFISICAL_PROJECT_ID")}
    link_project(run.cwd, world.project.id, domain=emulator.url)
    result = run("service-token", "list", env=env)
    assert result.code == 1
    assert "A repository cannot choose where your token goes" in result.stderr
    assert emulator.requests == []
    confirmed = run("service-token", "list", "--domain", emulator.url, env=env)
    assert confirmed.code == 0, confirmed.stderr


# ---------------------------------------------------------------------- server answers


def test_viewer_cannot_create(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    viewer = emulator.state.issue_jwt(world.viewer)
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env={**login, "INFISICAL_TOKEN": viewer})
    assert result.code == 1
    assert "Unable to create service token:" in result.stderr
    assert "403 Forbidden: You are not allowed to create on service-tokens" in result.stderr
    assert ("(request id req-" in result.stderr) == (emulator.mode == "new")
    assert viewer not in result.output


def test_a_server_failure_is_told_in_whole_sentences(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    emulator.add_fault("status", status=500, method="GET")
    result = run("service-token", "list", env=login)
    assert result.code == 1
    told = result.stderr.strip()
    assert "https://infisical.com/slack. " in told or told.endswith("https://infisical.com/slack."), told
    assert re.search(r"\(request id req-\w+\)\.$", told) if emulator.mode == "new" else True, told


MISSING = "00000000-0000-0000-0000-000000000000"


def test_unknown_project(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    result = run(
        "service-token",
        "create",
        "-s",
        "dev:/",
        "-a",
        "read",
        "--projectId",
        "00000000-0000-0000-0000-000000000000",
        env=login,
    )
    assert result.code == 1
    if emulator.mode == "new":  # a 2026 server: 404, in two wordings
        assert f"404 Not Found: Project with ID '{MISSING}' not found" in result.stderr
    else:  # the 2024 server: a 500 whose error text is the useful part
        assert "500 Internal Server Error: Something went wrong (Failed to find project by id)" in result.stderr
    plainly = "This project does not exist, or it is not yours. Check the project ID (it came from"
    assert f"{plainly} --projectId)" in result.stderr
    dry = run("service-token", "create", "-s", "dev:/", "-a", "read", "--dry-run", "--projectId", MISSING, env=login)
    assert dry.code == 1 and f"{plainly} --projectId)" in dry.stderr  # not "exit 0, the server failed"
    listed = run("service-token", "list", env={**login, "INFISICAL_PROJECT_ID": MISSING})
    if emulator.mode == "new":
        assert f"404 Not Found: Project with {MISSING} not found" in listed.stderr
    else:  # the 2024 server's token list: 403, not 500
        assert "403 Forbidden: You are not allowed to access this resource (User not a part" in listed.stderr
    assert listed.code == 1 and f"{plainly} INFISICAL_PROJECT_ID)" in listed.stderr
    linked = link_project(run.cwd, MISSING)
    from_file = {k: v for k, v in login.items() if k != "INFISICAL_PROJECT_ID"}
    audited = run("service-token", "audit", env=from_file)
    assert audited.code == 1 and f"{plainly} {linked})" in audited.stderr
    checked = run("check", "--online", ".", env=from_file)
    assert checked.code == 1 and f"{plainly} {linked})" in checked.stdout  # an error (project-unknown), not a warning
    assert emulator.requests_to("POST", "/api/v2/service-token") == []


def test_server_side_unknown_environment(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    # the project lookup fails (so our own check cannot run); the server's 404 must still read well
    emulator.add_fault("status", method="GET", path="/api/v1/workspace/", status=503, times=10)
    result = run(
        "service-token", "create", "-s", "nope:/", "-a", "read", env={**login, "INFISICAL_TOKENS_TIMEOUT": "5"}
    )
    assert result.code == 1
    expected = "One or more selected environments not found" if emulator.mode == "new" else "Environment not found"
    assert f"404 Not Found: {expected}" in result.stderr


def test_forged_jwt(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    with Emulator(emulator.mode) as other:
        forged = other.state.issue_jwt(seed(other).admin)
    result = run("service-token", "list", env={**login, "INFISICAL_TOKEN": forged})
    assert result.code == 1
    # both generations pass jsonwebtoken's message through
    assert "403 Forbidden: invalid signature" in result.stderr and "did not issue the token" in result.stderr
    assert forged not in result.output


def test_no_organization_in_jwt(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    token = emulator.state.issue_jwt(world.admin, organization=False)
    result = run("service-token", "list", env={**login, "INFISICAL_TOKEN": token})
    assert result.code == 1 and "401 Unauthorized" in result.stderr
    assert "no organization found in request" in result.stderr  # the server's error text is the useful part
    assert "Check your credentials or verify you're using the correct domain" in result.stderr


def test_create_is_never_retried(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("rate_limit", method="POST", retry_after=1)
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env=login)
    assert result.code == 1
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 1
    if emulator.mode == "new":
        assert "429 Too Many Requests: Rate limit exceeded. Please try again in 1 seconds" in result.stderr
    assert result.stderr.count("try again in 1 seconds") == 1, result.stderr  # by the server (2026) or the hint
    assert not emulator.state.tokens


@pytest.mark.parametrize("kind", ["status", "drop"])
def test_create_failure_is_reported_once(run: Runner, emulator: Emulator, login: dict[str, str], kind: str) -> None:
    emulator.add_fault(kind, method="POST", status=502)
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env=login)
    assert result.code == 1
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 1
    expected = "502 Bad Gateway" if kind == "status" else "closed the connection without answering"
    assert f"Unable to create service token: POST {emulator.url}/api/v2/service-token/" in result.stderr
    assert expected in result.stderr


def test_get_is_retried_honouring_retry_after(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("rate_limit", method="GET", path="/api/v1/", retry_after=1, times=2)
    result = run("service-token", "list", "--json", env=login)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == []
    listing = [r for r in emulator.requests if "service-token-data" in r.path]
    assert len(listing) >= 3


def test_get_gives_up_after_retries(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("status", method="GET", status=503, times=100)
    result = run("service-token", "list", env=login)
    assert result.code == 1
    assert "503 Service Unavailable" in result.stderr
    assert len([r for r in emulator.requests if r.method == "GET"]) == 4  # first try + 3 retries


def test_dropped_get_is_retried(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("drop", method="GET")
    assert run("service-token", "list", env=login).code == 0


def test_timeout(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("latency", method="GET", delay=1.5, times=5)
    result = run("service-token", "list", env={**login, "INFISICAL_TOKENS_TIMEOUT": "0.3"})
    assert result.code == 1
    assert "the server did not answer in time" in result.stderr


def test_connection_refused(run: Runner, login: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("service-token", "list", env={**login, "INFISICAL_DOMAIN": f"http://127.0.0.1:{port}"})
    assert result.code == 1
    assert f"GET http://127.0.0.1:{port}/api/" in result.stderr and "connection refused" in result.stderr


def test_tls_failure(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    https = emulator.url.replace("http://", "https://")
    result = run("service-token", "list", env={**login, "INFISICAL_DOMAIN": https})
    assert result.code == 1
    assert "TLS (HTTPS) handshake failed" in result.stderr


def test_custom_headers(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    headers = 'X-Team=platform X-Note="two words" User-Agent=ignored'
    assert run("service-token", "list", env={**login, "INFISICAL_CUSTOM_HEADERS": headers}).code == 0
    sent = emulator.requests[-1].headers
    assert sent["x-team"] == "platform" and sent["x-note"] == "two words"
    assert sent["user-agent"].startswith("infisical-tokens/")
    bad = run("service-token", "list", env={**login, "INFISICAL_CUSTOM_HEADERS": "novalue"})
    assert bad.code == 1 and "invalid custom header format" in bad.stderr


# ---------------------------------------------------------------------- list, view, delete


def _create(run: Runner, login: dict[str, str], *args: str) -> str:
    result = run("service-token", "create", "--token-only", *args, env=login)
    assert result.code == 0, result.stderr
    return result.stdout.strip()


def test_list_table_and_json(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    first = _create(run, login, "-s", "dev:/backend/**", "-a", "read", "-n", "reader", "-e", "0")
    second = _create(run, login, "-s", "dev:/,prod:/", "-a", "read,write", "-n", "ci")
    table = run("service-token", "list", env=login)
    assert table.code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "SCOPES", "ACCESS", "EXPIRES", "(UTC)", "LAST", "USED", "(UTC)"]
    assert lines[1].startswith(second.split(".")[1]) and "ci" in lines[1] and "dev:/, prod:/" in lines[1]
    assert lines[2].startswith(first.split(".")[1]) and "never" in lines[2]
    data = json.loads(run("service-token", "list", "--json", env=login).stdout)
    assert [t["name"] for t in data] == ["ci", "reader"]
    assert all("secretHash" not in t for t in data)
    routes = {r.path for r in emulator.requests if r.path.endswith("service-token-data")}
    if emulator.mode == "old":  # the newer route is tried first, then the older one
        assert any("/v1/projects/" in p for p in routes) and any("/v1/workspace/" in p for p in routes)
    for token in (first, second):
        assert token not in table.output


def test_view_by_id_prefix_token_and_stdin(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    token = _create(run, login, "-s", "dev:/backend/**", "-a", "read", "-n", "reader", "-e", "3600")
    token_id = token.split(".")[1]
    by_id = run("service-token", "view", token_id, env=login)
    assert by_id.code == 0, by_id.stderr
    fields = dict(line.split(":", 1) for line in by_id.stdout.splitlines())
    assert fields["ID"].strip() == token_id and fields["Name"].strip() == "reader"
    assert fields["Scopes"].strip() == "dev:/backend/**" and fields["Access"].strip() == "read"
    assert "(in 59 minutes)" in fields["Expires"]
    by_prefix = run("service-token", "view", token_id[:8], env=login).stdout

    def timeless(text: str) -> str:  # "(0 seconds ago)" may become "(1 second ago)" between two runs
        return re.sub(r"\([^)]*\)", "", text)

    assert timeless(by_prefix) == timeless(by_id.stdout)
    piped = run("service-token", "view", "-", "--json", stdin=token + "\n", env={"INFISICAL_DOMAIN": emulator.url})
    assert piped.code == 0, piped.stderr
    details = json.loads(piped.stdout)
    assert details["id"] == token_id and details["creatorEmail"] == "admin@example.com"
    for secret_field in ("secretHash", "encryptedKey", "iv", "tag"):
        assert secret_field not in piped.stdout
    via_env = run("service-token", "view", env={"INFISICAL_DOMAIN": emulator.url, "INFISICAL_TOKEN": token})
    assert via_env.code == 0 and token_id in via_env.stdout
    assert token not in by_id.output + piped.output + via_env.output
    missing = run("service-token", "view", "ffffffff", env=login)
    assert missing.code == 1 and "No service token with ID 'ffffffff'" in missing.stderr
    not_a_token = run("service-token", "view", "-", stdin="hello\n", env={"INFISICAL_DOMAIN": emulator.url})
    assert not_a_token.code == 1 and "is not a service token" in not_a_token.stderr


def test_view_of_expired_and_deleted_tokens(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    token = _create(run, login, "-s", "dev:/", "-a", "read", "-e", "1")
    emulator.state.tokens[token.split(".")[1]].expires_at = 0  # in the past
    env = {"INFISICAL_DOMAIN": emulator.url}
    first = run("service-token", "view", "-", stdin=token, env=env)
    assert first.code == 1 and "403 Forbidden: Service token has expired" in first.stderr
    second = run("service-token", "view", "-", stdin=token, env=env)
    assert second.code == 1 and "404 Not Found" in second.stderr
    assert token not in first.output + second.output


def test_delete(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    token_id = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "doomed").split(".")[1]
    refused = run("service-token", "delete", token_id, env=login)
    assert (
        refused.code == 1
        and "Refusing to delete service token 'doomed'" in refused.stderr
        and "--yes" in refused.stderr
    )
    assert token_id in emulator.state.tokens
    done = run("service-token", "delete", token_id, "--yes", env=login)
    assert done.code == 0 and f"Deleted service token 'doomed' ({token_id})." in done.stderr
    assert token_id not in emulator.state.tokens
    again = run("service-token", "delete", token_id, "-y", env=login)
    assert again.code == 1
    expected = f"Service token with ID '{token_id}' not found" if emulator.mode == "new" else "Token not found"
    assert f"404 Not Found: {expected}" in again.stderr


def test_delete_by_prefix(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "-n", "short", "--token-only", env=login)
    token_id = created.stdout.split(".")[1]
    too_short = run("service-token", "delete", token_id[:3], "--yes", env=login)
    assert too_short.code == 1 and "at least 4 characters" in too_short.stderr
    result = run("service-token", "delete", token_id[:8], "--yes", env=login)
    assert result.code == 0 and f"Deleted service token 'short' ({token_id})" in result.stderr
    assert token_id not in emulator.state.tokens


def test_viewer_cannot_delete(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    token_id = _create(run, login, "-s", "dev:/", "-a", "read").split(".")[1]
    viewer = emulator.state.issue_jwt(world.viewer)
    result = run("service-token", "delete", token_id, "--yes", env={**login, "INFISICAL_TOKEN": viewer})
    assert result.code == 1 and "You are not allowed to delete on service-tokens" in result.stderr
    assert token_id in emulator.state.tokens


def test_cwd_without_project_file_for_view_by_token(
    run: Runner, emulator: Emulator, login: dict[str, str], tmp_path: Path
) -> None:
    (run.cwd / ".infisical.json").write_text("[]")  # broken, but view-by-token does not need it
    token = _create(run, {**login}, "-s", "dev:/", "-a", "read", "--projectId", login["INFISICAL_PROJECT_ID"])
    result = run("service-token", "view", "-", stdin=token, env={"INFISICAL_DOMAIN": emulator.url})
    assert result.code == 0, result.stderr


@needs_pty
def test_delete_asks_on_a_terminal(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    """The confirmation prompt, answered through a real pseudo-terminal."""
    import os
    import pty
    import subprocess

    from tests.conftest import CLI

    token_id = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "asked").split(".")[1]
    for answer, code, kept in (("n\n", 1, True), ("y\n", 0, False)):
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [CLI, "service-token", "delete", token_id],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**run.env, **login},
            cwd=run.cwd,
        )
        os.close(follower)
        os.write(leader, answer.encode())
        _, err = proc.communicate(timeout=30)
        os.close(leader)
        assert proc.returncode == code
        assert f"Delete service token 'asked' ({token_id})? This cannot be undone. [y/N]" in err.decode()
        assert (token_id in emulator.state.tokens) is kept


def test_compatibility_flags_are_accepted(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    result = run(
        "service-token",
        "create",
        "-s",
        "dev:/",
        "-a",
        "read",
        "--token-only",
        "--log-level",
        "debug",
        "--log-format=json",
        "--telemetry=false",
        env=login,
    )
    assert result.code == 0, result.stderr
    assert TOKEN_RE.fullmatch(result.stdout.strip())
