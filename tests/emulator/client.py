"""What a client of the emulator sends, for tests that check what a token really reads: create a token as the
CLI does, read a folder's secrets as the Infisical CLI does (``GET /api/v3/secrets/raw``)."""

from __future__ import annotations

import requests

from .server import Emulator


def create_token(
    emulator: Emulator,
    jwt: str,
    project_id: str,
    scopes: list[tuple[str, str]],
    permissions: tuple[str, ...] = ("read",),
) -> str:
    """A new service token (``st.<id>.<secret>``) with these ``(environment, path)`` scopes."""
    body = {
        "name": "reader",
        "workspaceId": project_id,
        "scopes": [{"environment": env, "secretPath": path} for env, path in scopes],
        "encryptedKey": "",
        "iv": "",
        "tag": "",
        "expiresIn": None,
        "permissions": list(permissions),
    }
    answer = requests.post(
        f"{emulator.api_url}/v2/service-token", json=body, headers={"Authorization": f"Bearer {jwt}"}, timeout=10
    )
    answer.raise_for_status()
    token: str = answer.json()["serviceToken"]
    return token


def read_secrets(emulator: Emulator, token: str, project_id: str, env: str, path: str) -> requests.Response:
    """One folder's secrets, asked exactly as the Infisical CLI asks (the answer as the server gave it)."""
    return requests.get(
        f"{emulator.api_url}/v3/secrets/raw",
        params={"workspaceId": project_id, "environment": env, "secretPath": path},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def secret_values(answer: requests.Response) -> list[str] | int:
    """What a read gave: the values of the secrets read, or the error status."""
    if answer.status_code != 200:
        return answer.status_code
    return [secret["secretValue"] for secret in answer.json()["secrets"]]


def call(emulator: Emulator, method: str, path: str, bearer: str | None, body: object = None) -> requests.Response:
    """One API call as a client sends it (``path`` below ``/api``)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.request(method, f"{emulator.api_url}{path}", json=body, headers=headers, timeout=10)


def ua_login(emulator: Emulator, client_id: str, client_secret: str) -> requests.Response:
    """``POST /api/v1/auth/universal-auth/login``: what ``infisical login --method=universal-auth`` sends."""
    return call(
        emulator, "POST", "/v1/auth/universal-auth/login", None, {"clientId": client_id, "clientSecret": client_secret}
    )


def identity_by_hand(
    emulator: Emulator,
    jwt: str,
    project_id: str,
    rules: list[dict[str, object]],
    *,
    temporary_seconds: int | None = None,
    ttl: int = 0,
) -> tuple[str, str, str]:
    """(identity id, client id, client secret) of an identity made with the 2026 calls, rules granted as given."""
    identity = call(emulator, "POST", "/v1/identities", jwt, {"name": "by-hand", "organizationId": "org"})
    identity_id = identity.json()["identity"]["id"]
    ua = call(emulator, "POST", f"/v1/auth/universal-auth/identities/{identity_id}", jwt, {})
    secret = call(
        emulator, "POST", f"/v1/auth/universal-auth/identities/{identity_id}/client-secrets", jwt, {"ttl": ttl}
    )
    call(emulator, "POST", f"/v2/workspace/{project_id}/identity-memberships/{identity_id}", jwt, {"role": "no-access"})
    kind: dict[str, object] = {"isTemporary": False}
    if temporary_seconds is not None:
        from .state import now_iso

        kind = {
            "isTemporary": True,
            "temporaryMode": "relative",
            "temporaryRange": f"{temporary_seconds}s",
            "temporaryAccessStartTime": now_iso(),
        }
    body = {"identityId": identity_id, "projectId": project_id, "permissions": rules, "type": kind}
    answer = call(emulator, "POST", "/v2/identity-project-additional-privilege", jwt, body)
    answer.raise_for_status()
    return identity_id, ua.json()["identityUniversalAuth"]["clientId"], secret.json()["clientSecret"]
