"""The emulator's machine identities (issue 22) answer as the reference's calls did on the real servers:
Universal Auth login, memberships, privileges on each generation's route, the permission cache, and reads
governed by the privileges with the same ``$glob`` matching as service tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.emulator import Emulator, Seeded, client, seed


@pytest.fixture(params=["old", "new"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, Seeded, str]]:
    with Emulator(request.param, rate_limit=None, permission_cache=0) as emulator:
        world = seed(emulator)
        yield emulator, world, emulator.state.issue_jwt(world.admin)


def rule(path: str, env: str = "dev") -> dict[str, object]:
    return {
        "subject": "secrets",
        "action": ["read"],
        "conditions": {"environment": {"$eq": env}, "secretPath": {"$glob": path}},
    }


def login(emulator: Emulator, client_id: str, secret: str) -> str:
    answer = client.ua_login(emulator, client_id, secret)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["accessToken"]
    return token


def test_identity_reads_what_its_privilege_matches(new_emulator: Emulator) -> None:
    emulator = new_emulator
    world = seed(emulator)
    jwt = emulator.state.issue_jwt(world.admin)
    _, client_id, secret = client.identity_by_hand(emulator, jwt, world.project.id, [rule("/backend/**")])
    token = login(emulator, client_id, secret)

    def read(env: str, path: str) -> list[str] | int:
        return client.secret_values(client.read_secrets(emulator, token, world.project.id, env, path))

    assert read("dev", "/backend/api") == ["dev/backend/api:API_KEY"]
    assert read("dev", "/frontend") == []  # 2026: out of scope is an empty list, as for a token
    assert read("staging", "/backend") == []


def test_2024_takes_one_action_per_rule_and_the_project_slug(server: tuple[Emulator, Seeded, str]) -> None:
    emulator, world, jwt = server
    identity = client.call(emulator, "POST", "/v1/identities", jwt, {"name": "x", "organizationId": "o"}).json()[
        "identity"
    ]
    client.call(emulator, "POST", f"/v1/auth/universal-auth/identities/{identity['id']}", jwt, {})
    secret = client.call(
        emulator, "POST", f"/v1/auth/universal-auth/identities/{identity['id']}/client-secrets", jwt, {}
    )
    client.call(emulator, "POST", f"/v2/workspace/{world.project.id}/identity-memberships/{identity['id']}", jwt, {})
    body = {
        "identityId": identity["id"],
        "projectSlug": world.project.slug,
        "slug": "s",
        "permissions": [rule("/frontend")],
    }
    refused = client.call(emulator, "POST", "/v1/additional-privilege/identity/permanent", jwt, body)
    assert refused.status_code == (401 if emulator.mode == "old" else 422)
    assert refused.json()["error"] == "ValidationFailure"
    body["permissions"] = [{**rule("/frontend"), "action": "read"}]  # one action, but environment as {$eq}
    operator = client.call(emulator, "POST", "/v1/additional-privilege/identity/permanent", jwt, body)
    assert (operator.status_code, operator.json()["error"]) == (
        (401 if emulator.mode == "old" else 422),
        "ValidationFailure",
    )
    assert operator.json()["message"][0]["path"] == ["permissions", 0, "conditions", "environment"]
    plain = {"environment": "dev", "secretPath": {"$glob": "/frontend"}}  # the v1 schema: environment z.string()
    body["permissions"] = [{"subject": "secrets", "action": "read", "conditions": plain}]
    assert client.call(emulator, "POST", "/v1/additional-privilege/identity/permanent", jwt, body).status_code == 200
    again = client.call(emulator, "POST", "/v1/additional-privilege/identity/permanent", jwt, body)
    assert (again.status_code, again.json()["message"]) == (400, "Additional privilege with name s exists")
    listed = client.call(emulator, "GET", f"/v1/auth/universal-auth/identities/{identity['id']}/client-secrets", jwt)
    assert [row["id"] for row in listed.json()["clientSecretData"]] == [secret.json()["clientSecretData"]["id"]]
    ua_row = emulator.identities.by_id[identity["id"]].ua
    assert ua_row is not None
    token = login(emulator, ua_row.client_id, secret.json()["clientSecret"])
    frontend = client.read_secrets(emulator, token, world.project.id, "dev", "/frontend")
    assert client.secret_values(frontend) == ["dev/frontend:FRONTEND_KEY"]
    backend = client.read_secrets(emulator, token, world.project.id, "dev", "/backend")
    assert client.secret_values(backend) == (403 if emulator.mode == "old" else [])


def test_refusals_as_the_real_server_gave_them(new_emulator: Emulator) -> None:
    emulator = new_emulator
    emulator.identities.permission_cache = 0
    world = seed(emulator)
    jwt = emulator.state.issue_jwt(world.admin)
    identity = client.call(emulator, "POST", "/v1/identities", jwt, {"name": "x", "organizationId": "o"}).json()[
        "identity"
    ]
    iid = identity["id"]
    ua = client.call(emulator, "POST", f"/v1/auth/universal-auth/identities/{iid}", jwt, {}).json()
    secret = client.call(emulator, "POST", f"/v1/auth/universal-auth/identities/{iid}/client-secrets", jwt, {}).json()
    token = login(emulator, ua["identityUniversalAuth"]["clientId"], secret["clientSecret"])
    not_member = client.read_secrets(emulator, token, world.project.id, "dev", "/")
    assert (not_member.status_code, not_member.json()["error"]) == (403, "ProjectMembershipNotFound")
    client.call(
        emulator, "POST", f"/v1/projects/{world.project.id}/memberships/identities/{iid}", jwt, {"role": "no-access"}
    )
    no_rules = client.read_secrets(emulator, token, world.project.id, "dev", "/")
    assert no_rules.status_code == 403
    assert no_rules.json()["message"] == "You are not allowed to describeSecret on secrets"
    blank = {
        "identityId": iid,
        "projectId": world.project.id,
        "permissions": [rule("")],
        "type": {"isTemporary": False},
    }
    refused = client.call(emulator, "POST", "/v2/identity-project-additional-privilege", jwt, blank)
    assert refused.status_code == 422
    assert refused.json()["message"][0]["message"] == "String must contain at least 1 character(s)"
    wrong = client.ua_login(emulator, ua["identityUniversalAuth"]["clientId"], "0" * 64)
    assert wrong.status_code == 401
    revoke = client.call(emulator, "POST", "/v1/auth/token/revoke", None, {"accessToken": token})
    assert revoke.json() == {"message": "Successfully revoked access token"}
    assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 401


def test_deleting_the_identity_or_revoking_its_secret_stops_its_tokens_at_once(new_emulator: Emulator) -> None:
    emulator = new_emulator
    world = seed(emulator)
    jwt = emulator.state.issue_jwt(world.admin)
    iid, client_id, secret = client.identity_by_hand(emulator, jwt, world.project.id, [rule("/**")])
    token = login(emulator, client_id, secret)
    assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 200
    ua = emulator.identities.by_id[iid].ua
    assert ua is not None
    (secret_id,) = ua.client_secrets
    client.call(
        emulator, "POST", f"/v1/auth/universal-auth/identities/{iid}/client-secrets/{secret_id}/revoke", jwt, {}
    )
    assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 401
    iid2, client_id2, secret2 = client.identity_by_hand(emulator, jwt, world.project.id, [rule("/**")])
    token2 = login(emulator, client_id2, secret2)
    assert client.call(emulator, "DELETE", f"/v1/identities/{iid2}", jwt).status_code == 200
    assert client.read_secrets(emulator, token2, world.project.id, "dev", "/").status_code == 401
    assert client.ua_login(emulator, client_id2, secret2).status_code == 401


def test_permissions_are_cached_about_ten_seconds_unless_shortened() -> None:
    with Emulator("new", permission_cache=0.5) as emulator:
        world = seed(emulator)
        jwt = emulator.state.issue_jwt(world.admin)
        identity = client.call(emulator, "POST", "/v1/identities", jwt, {"name": "x", "organizationId": "o"}).json()
        iid = identity["identity"]["id"]
        ua = client.call(emulator, "POST", f"/v1/auth/universal-auth/identities/{iid}", jwt, {}).json()
        secret = client.call(
            emulator, "POST", f"/v1/auth/universal-auth/identities/{iid}/client-secrets", jwt, {}
        ).json()
        client.call(emulator, "POST", f"/v2/workspace/{world.project.id}/identity-memberships/{iid}", jwt, {})
        token = login(emulator, ua["identityUniversalAuth"]["clientId"], secret["clientSecret"])
        assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 403  # cached: none
        body = {
            "identityId": iid,
            "projectId": world.project.id,
            "permissions": [rule("/")],
            "type": {"isTemporary": False},
        }
        client.call(emulator, "POST", "/v2/identity-project-additional-privilege", jwt, body)
        assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 403  # still cached
        time.sleep(0.6)
        assert client.secret_values(client.read_secrets(emulator, token, world.project.id, "dev", "/")) == [
            "dev/:ROOT_KEY"
        ]
    assert Emulator("new").identities.permission_cache == 10.0


def test_a_temporary_privilege_and_a_client_secret_ttl_end_access(new_emulator: Emulator) -> None:
    emulator = new_emulator
    emulator.identities.permission_cache = 0
    world = seed(emulator)
    jwt = emulator.state.issue_jwt(world.admin)
    _, client_id, secret = client.identity_by_hand(
        emulator, jwt, world.project.id, [rule("/")], temporary_seconds=2, ttl=2
    )
    token = login(emulator, client_id, secret)
    assert client.read_secrets(emulator, token, world.project.id, "dev", "/").status_code == 200
    time.sleep(2.2)
    ended = client.read_secrets(emulator, token, world.project.id, "dev", "/")
    assert (ended.status_code, ended.json()["error"]) == (403, "PermissionDenied")
    late = client.ua_login(emulator, client_id, secret)
    assert (late.status_code, late.json()["message"]) == (401, "Access denied due to expired client secret")
