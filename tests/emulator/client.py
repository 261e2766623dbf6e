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
