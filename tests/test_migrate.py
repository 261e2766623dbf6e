"""``service-token migrate`` (issue 22) end to end: the installed CLI migrates a token on each server generation,
then the token and the identity read every environment and folder as a client reads (real loopback HTTP to the
emulator, which enforces identity privileges as the real servers do)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CLI, Runner
from tests.emulator import Emulator, Seeded, client

Scopes = list[tuple[str, str]]
# every folder of the seeded project, and the one form a client may ask without a leading slash
READS = [
    ("dev", "/"),
    ("dev", "/backend"),
    ("dev", "/backend/api"),
    ("dev", "/backend/worker"),
    ("dev", "/frontend"),
    ("dev", "backend"),
    ("staging", "/"),
    ("staging", "/backend"),
    ("prod", "/"),
    ("prod", "/backend"),
    ("prod", "/backend/api"),
]
# the reference's scope forms: (label, scopes, permissions, pinned)
FORMS: list[tuple[str, Scopes, tuple[str, ...], bool]] = [
    ("dev:/ alone", [("dev", "/")], ("read",), True),
    ("dev:/**", [("dev", "/**")], ("read",), False),
    ("dev:/backend alone", [("dev", "/backend")], ("read",), True),
    ("dev:backend alone", [("dev", "backend")], ("read",), True),
    ("dev:/backend/**", [("dev", "/backend/**")], ("read",), False),
    ("dev:/backend/*", [("dev", "/backend/*")], ("read",), False),
    ("dev:/*", [("dev", "/*")], ("read",), False),
    ("dev:/**/api", [("dev", "/**/api")], ("read",), False),
    ("dev:/backend + dev:/frontend", [("dev", "/backend"), ("dev", "/frontend")], ("read",), False),
    (
        "three environments",
        [("dev", "/backend/**"), ("staging", "/backend"), ("prod", "/backend/api")],
        ("read",),
        False,
    ),
    ("every folder of three", [("dev", "/**"), ("staging", "/**"), ("prod", "/**")], ("read",), False),
    ("read+write", [("dev", "/backend/**")], ("read", "write"), False),
    ("read+write pinned", [("dev", "/backend")], ("read", "write"), True),
    ("write only", [("dev", "/backend/**")], ("write",), False),
    ("no leading slash, two scopes", [("dev", "backend"), ("staging", "/backend")], ("read",), False),
]


@pytest.fixture(params=["old", "new"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """Each generation without the 2024 rate limit (a comparison reads every folder twice per scope form)."""
    with Emulator(request.param, rate_limit=None) as em:
        yield em


@pytest.fixture
def server(emulator: Emulator, world: Seeded, login: dict[str, str]) -> tuple[Emulator, Seeded, dict[str, str]]:
    """The emulator, its seeded world, and the admin's environment (conftest's ``login``)."""
    return emulator, world, login


def new_token(
    emulator: Emulator, world: Seeded, scopes: Scopes, permissions: tuple[str, ...], expires_in: int | None = None
) -> tuple[str, str]:
    """(service token, its ID), created as the CLI creates one."""
    body = {
        "name": "ci-reader",
        "workspaceId": world.project.id,
        "scopes": [{"environment": env, "secretPath": path} for env, path in scopes],
        "encryptedKey": "",
        "iv": "",
        "tag": "",
        "expiresIn": expires_in,
        "permissions": list(permissions),
    }
    answer = client.call(emulator, "POST", "/v2/service-token", emulator.state.issue_jwt(world.admin), body)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["serviceToken"]
    return token, token.split(".")[1]


def migrate(run: Runner, login: dict[str, str], token_id: str, *flags: str) -> dict[str, Any]:
    result = run("service-token", "migrate", token_id, "--json", *flags, env=login)
    assert result.code == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    answer["stderr"] = result.stderr
    return answer


def identity_token(emulator: Emulator, migrated: dict[str, Any]) -> str:
    login = client.ua_login(emulator, migrated["clientId"], migrated["clientSecret"])
    assert login.status_code == 200, login.text
    token: str = login.json()["accessToken"]
    return token


def reads(emulator: Emulator, world: Seeded, credential: str) -> list[list[str] | int]:
    return [
        client.secret_values(client.read_secrets(emulator, credential, world.project.id, env, path))
        for env, path in READS
    ]


@pytest.mark.parametrize(("label", "scopes", "permissions", "pinned"), FORMS, ids=[f[0] for f in FORMS])
def test_the_identity_reads_what_the_token_reads(
    run: Runner,
    server: tuple[Emulator, Seeded, dict[str, str]],
    label: str,
    scopes: Scopes,
    permissions: tuple[str, ...],
    pinned: bool,
) -> None:
    emulator, world, login = server
    token, token_id = new_token(emulator, world, scopes, permissions)
    migrated = migrate(run, login, token_id[:8])
    identity = identity_token(emulator, migrated)
    by_token, by_identity = reads(emulator, world, token), reads(emulator, world, identity)
    if not pinned:
        assert by_identity == by_token
        assert migrated["differences"] == [] and "pinned" not in migrated["stderr"]
        return
    twin, _ = new_token(emulator, world, scopes * 2, permissions)  # the same scope twice: the same rules, not pinned
    assert by_identity == reads(emulator, world, twin)
    assert by_identity != by_token  # pinning answered other folders' questions from the scope's folder
    env, path = scopes[0]
    said = f"is pinned to {env}:{path}"
    assert said in migrated["stderr"]  # said on stderr, before anything was created
    assert [d["kind"] for d in migrated["differences"]] == ["pinned"]
    assert migrated["ci"][1].endswith(f"--env={env} --path={path}")


def test_what_was_created_and_how(run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend/**")], ("read", "write"))
    migrated = migrate(run, login, token_id)
    (identity,) = emulator.identities.by_id.values()
    assert identity.name == "ci-reader" and migrated["identityId"] == identity.id
    if emulator.mode == "new":
        assert identity.metadata == [{"key": "infisical-tokens/service-token-id", "value": token_id}]
    (privilege,) = identity.privileges
    assert privilege.ends_at is None  # the token never expires: a permanent privilege
    if emulator.mode == "new":
        assert [r["subject"] for r in privilege.rules] == ["secrets", "secret-imports", "secret-folders"]
        assert {tuple(r["action"]) for r in privilege.rules} == {("read", "create", "edit", "delete")}
    else:  # 2024: one action per rule, secrets only, the project by slug
        posted = emulator.requests_to("POST", "/api/v1/additional-privilege/identity/permanent")[0].body
        assert posted["projectSlug"] == world.project.slug
        assert [r["action"] for r in posted["permissions"]] == ["read", "create", "edit", "delete"]
    assert identity.ua is not None
    (secret,) = identity.ua.client_secrets.values()
    assert secret.ttl == 0
    assert list(identity.memberships) == [world.project.id]
    # created everything before the first login, and the proving login's access token was revoked
    paths = [(r.method, r.path) for r in emulator.requests if r.method != "GET" and "service-token" not in r.path]
    login_at = paths.index(("POST", "/api/v1/auth/universal-auth/login"))
    assert all("identities" in p or "privilege" in p or "memberships" in p for _, p in paths[:login_at])
    assert paths[login_at + 1] == ("POST", "/api/v1/auth/token/revoke")
    assert all(t.revoked for t in emulator.identities.access_tokens.values())
    assert token_id in emulator.state.tokens  # kept without --delete-token
    assert migrated["ci"][0].startswith(
        f"export INFISICAL_TOKEN=$(infisical login --method=universal-auth --client-id={migrated['clientId']} "
    )
    assert migrated["ci"][0].endswith("--silent --plain)")
    assert migrated["ci"][1] == f"infisical export --projectId={world.project.id}"


def test_dry_run_sends_nothing_and_says_what_differs(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend")], ("read",))
    result = run("service-token", "migrate", token_id, "--dry-run", env=login)
    assert result.code == 0, result.stderr
    assert {r.method for r in emulator.requests if r.path != "/api/v2/service-token"} == {"GET"}  # the token list
    assert "Dry run: nothing was sent." in result.stdout
    assert '"secretPath": {"$glob": "/backend"}' in result.stdout
    assert "never expires: a permanent privilege" in result.stdout
    assert "is pinned to dev:/backend" in result.stdout and "--env=dev --path=/backend" in result.stdout
    assert not emulator.identities.by_id


def test_delete_token_only_after_a_login_worked(run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]) -> None:
    emulator, world, login = server
    token, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    migrated = migrate(run, login, token_id, "--delete-token")
    assert migrated["serviceTokenDeleted"] is True and token_id not in emulator.state.tokens
    deleted_at = next(i for i, r in enumerate(emulator.requests) if r.method == "DELETE")
    logins = [i for i, r in enumerate(emulator.requests) if r.path.endswith("/universal-auth/login")]
    assert logins and logins[0] < deleted_at
    assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code in (401, 404)
    assert client.secret_values(
        client.read_secrets(emulator, identity_token(emulator, migrated), world.project.id, "dev", "/")
    ) == ["dev/:ROOT_KEY"]


def test_an_empty_path_scope_is_dropped_and_said(run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]) -> None:
    emulator, world, login = server
    token, token_id = new_token(emulator, world, [("dev", ""), ("staging", "/")], ("read",))
    migrated = migrate(run, login, token_id)
    assert [d["kind"] for d in migrated["differences"]] == ["empty-path"]
    assert "Scope dev: has an empty path" in migrated["stderr"]
    identity = identity_token(emulator, migrated)
    by_token, by_identity = reads(emulator, world, token), reads(emulator, world, identity)
    if emulator.mode == "new":
        assert by_identity == by_token  # it granted nothing: dropping it is exact
    else:  # 2024: the token's dev reads were 500s; the identity's are refused as out of scope
        assert [t for t, i in zip(by_token, by_identity, strict=True) if t != i] == [500] * 6
        assert [i for t, i in zip(by_token, by_identity, strict=True) if t != i] == [403] * 6
    _, only_id = new_token(emulator, world, [("dev", "")], ("read",))
    refused = run("service-token", "migrate", only_id, env=login)
    assert refused.code == 1 and "grant nothing" in refused.stderr
    assert len(emulator.identities.by_id) == 1


def test_lifetime_the_identity_stops_reading_when_the_token_expires(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    emulator.identities.permission_cache = 0  # the real server may honour an ended privilege ~10 s longer
    token, token_id = new_token(emulator, world, [("dev", "/**")], ("read",), expires_in=6)
    expires_at = emulator.state.tokens[token_id].expires_at
    assert expires_at is not None
    migrated = migrate(run, login, token_id)
    identity = identity_token(emulator, migrated)
    (privilege,) = next(iter(emulator.identities.by_id.values())).privileges
    assert privilege.ends_at == pytest.approx(expires_at, abs=0.002)
    assert migrated["expiresAt"] is not None
    before = [client.read_secrets(emulator, c, world.project.id, "dev", "/").status_code for c in (token, identity)]
    assert before == [200, 200]
    time.sleep(max(0.0, expires_at - time.time()) + 0.3)
    after = [client.read_secrets(emulator, c, world.project.id, "dev", "/") for c in (token, identity)]
    assert [a.status_code for a in after] == [403, 403]
    assert after[0].json()["message"] == "Service token has expired"
    assert after[1].json()["error"] == "PermissionDenied"
    late = client.ua_login(emulator, migrated["clientId"], migrated["clientSecret"])
    assert late.status_code == 401


def test_an_expired_token_is_refused_before_anything_is_sent(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",), expires_in=-10)
    result = run("service-token", "migrate", token_id, env=login)
    assert result.code == 1 and "has expired" in result.stderr
    assert not emulator.identities.by_id and "Traceback" not in result.stderr


# ---------------------------------------------------------------------- a failure at each step

UA = "/api/v1/auth/universal-auth/identities/"
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("create the identity", {"method": "POST", "path": "/api/v1/identities"}),
    ("attach Universal Auth to it", {"method": "POST", "path": UA}),
    ("add it to the project", {"method": "POST", "path": "/api/v2/workspace/"}),
    ("grant it the token's rules", {"method": "POST", "contains": "privilege"}),
    ("create its client secret", {"method": "POST", "path": UA, "contains": "/client-secrets"}),
    ("log in with the new client secret", {"method": "POST", "path": "/api/v1/auth/universal-auth/login"}),
]


def secret_nowhere_but(run: Runner, emulator: Emulator, shown: str, *outputs: str) -> None:
    """No client secret the emulator issued is in any output given, nor in any file the CLI wrote."""
    issued = [
        r.body["clientSecret"]
        for r in emulator.requests
        if r.path.endswith("/universal-auth/login") and isinstance(r.body, dict)
    ]
    files = [p.read_bytes() for p in run.home.rglob("*") if p.is_file()]
    for secret in issued:
        assert all(secret not in output for output in outputs)
        assert all(secret.encode() not in data for data in files)
        assert shown.count(secret) <= 1


@pytest.mark.parametrize(("step", "where"), STEPS, ids=[s[0] for s in STEPS])
def test_a_failed_step_leaves_no_identity(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]], step: str, where: dict[str, Any]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend/**")], ("read",))
    emulator.add_fault("status", status=500, **where)
    result = run("service-token", "migrate", token_id, "--delete-token", env=login)
    assert result.code == 1 and result.stdout == ""
    assert f"could not {step}:" in result.stderr
    assert not emulator.identities.by_id  # removed, or never created
    # a server error may come after the server acted: it looks the identity up, and finds none here
    said = "seems none was created" if step == "create the identity" else "was removed: nothing remains."
    assert said in result.stderr and "The service token is untouched." in result.stderr
    assert token_id in emulator.state.tokens
    assert [r for r in emulator.requests if r.method == "DELETE" and "service-token" in r.path] == []
    secret_nowhere_but(run, emulator, "", result.stdout, result.stderr)


def test_when_the_cleanup_fails_too_it_names_what_remains(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend/**")], ("read",))
    emulator.add_fault("status", status=500, method="POST", path="/api/v1/auth/universal-auth/login")
    emulator.add_fault("status", status=503, method="DELETE", path="/api/v1/identities/")
    result = run("service-token", "migrate", token_id, env=login)
    assert result.code == 1
    (identity,) = emulator.identities.by_id.values()
    assert f"identity 'ci-reader' ({identity.id}) remains" in result.stderr
    command = (
        f'curl -X DELETE "{emulator.api_url}/v1/identities/{identity.id}" -H "Authorization: Bearer $INFISICAL_TOKEN"'
    )
    assert command in result.stderr
    secret_nowhere_but(run, emulator, "", result.stdout, result.stderr)


def test_a_refused_create_says_nothing_was_created(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    viewer = {**login, "INFISICAL_TOKEN": emulator.state.issue_jwt(world.viewer)}
    result = run("service-token", "migrate", token_id, env=viewer)
    assert result.code == 1 and "could not create the identity:" in result.stderr
    assert "Nothing was created. The service token is untouched." in result.stderr
    assert not emulator.identities.by_id


def test_a_dropped_create_says_the_identity_may_exist(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("drop", method="POST", path="/api/v1/identities")
    result = run("service-token", "migrate", token_id, env=login)
    assert result.code == 1
    assert "may have created it" in result.stderr or "seems none was created" in result.stderr
    if emulator.mode == "new":
        assert f"infisical-tokens/service-token-id = {token_id}" in result.stderr
    else:  # 2024 keeps no metadata: the name is what to look for
        assert "look for an identity named 'ci-reader'" in result.stderr and "keeps no metadata" in result.stderr
    assert len(emulator.requests_to("POST", "/api/v1/identities")) == 1  # never retried


def test_a_failed_token_delete_keeps_the_identity_and_says_how_to_finish(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("status", status=500, method="DELETE", path="/api/v2/service-token/")
    result = run("service-token", "migrate", token_id, "--delete-token", env=login)
    assert result.code == 3
    assert f"infisical-tokens service-token delete {token_id} --yes" in result.stdout
    assert len(emulator.identities.by_id) == 1 and token_id in emulator.state.tokens
    secret_nowhere_but(run, emulator, result.stdout, result.stderr)


def test_the_client_secret_is_shown_once_where_asked(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend")], ("read",))
    text = run("service-token", "migrate", token_id, env=login)
    assert text.code == 0, text.stderr
    secret_nowhere_but(run, emulator, text.stdout, text.stderr)
    (secret_line,) = [line for line in text.stdout.splitlines() if line.startswith("Client Secret: ")]
    assert len(secret_line.removeprefix("Client Secret: ")) == 64
    assert "is pinned to dev:/backend" in text.stderr  # said before: on stderr, ahead of the outcome


def test_audit_suggests_migrating_each_token_and_names_the_pinned_ones(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, pinned_id = new_token(emulator, world, [("dev", "/backend")], ("read",))
    _, glob_id = new_token(emulator, world, [("dev", "/backend/**")], ("read",))
    result = run("service-token", "audit", "--json", "--fail-on", "never", env=login)
    assert result.code == 0, result.stderr
    hints = {f["tokenId"]: f["hint"] for f in json.loads(result.stdout)["findings"] if f["code"] == "token-migrate"}
    assert set(hints) == {pinned_id, glob_id}
    assert f"service-token migrate {glob_id} --dry-run" in hints[glob_id] and "pinned" not in hints[glob_id]
    assert "It is pinned to dev:/backend: its clients then pass --env=dev --path=/backend." in hints[pinned_id]


def test_a_hostile_answer_without_a_client_secret_removes_the_identity(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("body", status=200, body=b"{}", method="POST", path=UA, contains="/client-secrets")
    result = run("service-token", "migrate", token_id, env=login)
    assert result.code == 1 and "could not create its client secret:" in result.stderr
    assert "the answer has no clientSecret" in result.stderr and "was removed: nothing remains." in result.stderr
    assert not emulator.identities.by_id


def test_ctrl_c_mid_way_removes_the_identity(run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("latency", delay=5, method="POST", path="/api/v2/workspace/")
    proc = subprocess.Popen(
        [CLI, "service-token", "migrate", token_id],
        env={**run.env, **login},
        cwd=run.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 20
    while not emulator.requests_to("POST", "/api/v2/workspace/") and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and stdout == "" and "Traceback" not in stderr
    assert "was removed. The service token is untouched." in stderr
    time.sleep(5.2)  # the delayed membership call lands after the delete: it finds no identity
    assert not emulator.identities.by_id


def test_a_token_beyond_ten_years_gets_the_longest_client_secret_the_server_takes(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",), expires_in=400000000)
    preview = run("service-token", "migrate", token_id, "--dry-run", env=login)
    assert preview.code == 0, preview.stderr
    assert "client secret that lives 315360000 s (the server's maximum" in preview.stdout
    migrated = migrate(run, login, token_id)
    (identity,) = emulator.identities.by_id.values()
    assert identity.ua is not None
    assert [s.ttl for s in identity.ua.client_secrets.values()] == [315360000]
    (privilege,) = identity.privileges
    assert privilege.ends_at == pytest.approx(emulator.state.tokens[token_id].expires_at, abs=0.002)
    assert migrated["expiresAt"] is not None


def test_a_failed_revoke_of_the_test_access_token_keeps_the_identity(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("status", status=500, method="POST", path="/api/v1/auth/token/revoke")
    migrated = migrate(run, login, token_id)  # the login worked: exit 0, the credentials shown
    (identity,) = emulator.identities.by_id.values()
    assert migrated["identityId"] == identity.id
    assert "could not log in" not in migrated["stderr"]
    assert "its test access token could not be revoked" in migrated["stderr"]
    assert "expires by itself within" in migrated["stderr"]
    assert client.ua_login(emulator, migrated["clientId"], migrated["clientSecret"]).status_code == 200


def test_an_unknown_project_names_the_project_id_flag_over_the_environment(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, _world, login = server
    missing = "00000000-0000-0000-0000-000000000000"
    result = run(
        "service-token", "migrate", "3f2a", "--projectId", missing, env={**login, "INFISICAL_PROJECT_ID": missing}
    )
    assert result.code == 1
    assert "Check the project ID (it came from --projectId)" in result.stderr, result.stderr
    assert not emulator.identities.by_id


def test_audit_does_not_suggest_migrating_a_token_with_only_empty_path_scopes(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "")], ("read",))
    result = run("service-token", "audit", "--json", "--fail-on", "never", env=login)
    assert result.code == 0, result.stderr
    (hint,) = [f["hint"] for f in json.loads(result.stdout)["findings"] if f["code"] == "token-migrate"]
    assert "service-token migrate" not in hint
    assert "empty path, which grants nothing" in hint and f"service-token delete {token_id} --yes" in hint
    assert run("service-token", "migrate", token_id, "--dry-run", env=login).code == 1  # as migrate refuses it


def test_a_create_that_failed_after_the_server_acted_names_the_identity_to_remove(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    emulator.add_fault("status", status=502, method="POST", path="/api/v1/identities", act=True)
    result = run("service-token", "migrate", token_id, env=login)
    assert result.code == 1
    (identity,) = emulator.identities.by_id.values()  # created, though the answer was a 502
    assert f"identity 'ci-reader' ({identity.id}) remains" in result.stderr
    assert f'curl -X DELETE "{emulator.api_url}/v1/identities/{identity.id}"' in result.stderr
    assert len(emulator.requests_to("POST", "/api/v1/identities")) == 1  # looked up with a GET, not created again
    assert emulator.requests_to("GET", "/api/v2/organizations/")
    if emulator.mode == "old":
        assert "does not keep an identity's metadata" in result.stderr


def test_a_second_migrate_of_the_same_token_is_refused_naming_the_first_identity(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    first = migrate(run, login, token_id)
    again = run("service-token", "migrate", token_id, env=login)
    assert again.code == 1 and again.stdout == ""
    assert "looks migrated already" in again.stderr and first["identityId"] in again.stderr
    assert "Nothing was created." in again.stderr and "curl -X DELETE" in again.stderr
    assert len(emulator.identities.by_id) == 1
    assert len(emulator.requests_to("POST", "/api/v1/identities")) == 1


def test_dry_run_shows_what_this_server_will_be_sent_and_what_it_answers(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/backend/**")], ("read", "write"))
    preview = run("service-token", "migrate", token_id, "--dry-run", "--json", env=login)
    assert preview.code == 0, preview.stderr
    rules = json.loads(preview.stdout)["rules"]
    migrate(run, login, token_id)
    if emulator.mode == "old":  # what the v1 route was really sent
        (sent,) = emulator.requests_to("POST", "/api/v1/additional-privilege/identity/permanent")
        assert rules == sent.body["permissions"]
        assert {r["subject"] for r in rules} == {"secrets"} and all(isinstance(r["action"], str) for r in rules)
    else:
        (sent,) = emulator.requests_to("POST", "/api/v2/identity-project-additional-privilege")
        assert rules == sent.body["permissions"]
    _, pinned_id = new_token(emulator, world, [("dev", "backend")], ("read",))
    text = run("service-token", "migrate", pinned_id, "--dry-run", env=login)
    assert text.code == 0, text.stderr
    assert "(2026:" not in text.stdout and "on a 2024 server" not in text.stdout  # the server is known: no hedge
    if emulator.mode == "old":  # the pinned bare path reads nothing on 2024 (reach's model)
        assert "today every read answers from that folder" not in text.stdout
        assert "reads nothing today" in text.stdout and "is refused (403)" in text.stdout
        assert "does not keep metadata" in text.stdout
    else:
        assert "today every read answers from that folder" in text.stdout and "gets an empty list" in text.stdout


@pytest.mark.parametrize("flags", [("--delete-token",), ("--delete-token", "--json"), ()], ids=["text", "json", "kept"])
def test_credentials_that_cannot_be_written_remove_the_identity_and_keep_the_token(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]], flags: tuple[str, ...]
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [CLI, "service-token", "migrate", token_id, *flags],
            env={**run.env, **login},
            cwd=run.cwd,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "the output could not be written" in proc.stderr
    assert "could not be written, and nobody holds its client secret: it was removed." in proc.stderr
    assert not emulator.identities.by_id  # nobody holds its client secret: nothing is left behind
    assert token_id in emulator.state.tokens  # the only working credential is kept
    assert [r for r in emulator.requests if r.method == "DELETE" and "service-token" in r.path] == []


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_the_credentials_are_written_before_the_old_token_is_deleted(
    run: Runner, server: tuple[Emulator, Seeded, dict[str, str]], as_json: bool
) -> None:
    emulator, world, login = server
    _, token_id = new_token(emulator, world, [("dev", "/**")], ("read",))
    result = run("service-token", "migrate", token_id, "--delete-token", *(["--json"] if as_json else []), env=login)
    assert result.code == 0, result.stderr
    if as_json:  # one document still, its last keys the token's fate
        answer = json.loads(result.stdout)
        assert answer["serviceTokenDeleted"] is True and len(answer["clientSecret"]) == 64
        assert list(answer)[-1] == "serviceTokenDeleted"
    else:
        assert result.stdout.index("Client Secret: ") < result.stdout.index("Deleted the service token")
    assert token_id not in emulator.state.tokens
