"""The HTTP client against the emulator over loopback: typed errors, retries, route fallbacks."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from infisical_tokens.core import folders
from infisical_tokens.core.api import InfisicalClient
from infisical_tokens.core.errors import (
    DNSFailure,
    Forbidden,
    NotFound,
    ProjectNotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from tests.emulator import Emulator, Seeded, seed


@pytest.fixture
def client(emulator: Emulator, world: Seeded) -> Iterator[InfisicalClient]:
    waits: list[float] = []
    with InfisicalClient(emulator.api_url, emulator.state.issue_jwt(world.admin), sleep=waits.append) as c:
        c.waits = waits  # type: ignore[attr-defined]
        yield c


def test_validation_failure_both_generations(emulator: Emulator, world: Seeded, client: InfisicalClient) -> None:
    body = {
        "name": "x",
        "workspaceId": world.project.id,
        "scopes": [],
        "encryptedKey": "",
        "iv": "",
        "permissions": ["admin"],
    }
    with pytest.raises(ValidationFailed) as caught:
        client.request("POST", "/v2/service-token", body=body, retry=False)
    err = caught.value
    assert err.status == (422 if emulator.mode == "new" else 401)
    text = str(err)
    assert "scopes: Array must contain at least 1 element(s)" in text
    assert "tag: Required" in text and "expiresIn: Required" in text
    assert "permissions.0: Invalid enum value. Expected 'read' | 'write', received 'admin'" in text
    assert (err.req_id is not None) == (emulator.mode == "new")


def test_error_types_and_texts(emulator: Emulator, world: Seeded, client: InfisicalClient) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    if emulator.mode == "old":  # the 2024 server: 403 on the token list, 500 on the project route
        expected = (
            "403 Forbidden: You are not allowed to access this resource (User not a part of the specified project)"
        )
        with pytest.raises(Forbidden, match=re.escape(expected + ". This project does not exist, or it is not yours")):
            client.list_service_tokens(missing)
        expected = (
            "500 Internal Server Error: Something went wrong (Failed to find project by id). This project does not "
            "exist, or it is not yours. Check the project ID"
        )
        with pytest.raises(ProjectNotFound, match=re.escape(expected)):
            client.get_project(missing)
    with pytest.raises(NotFound):
        client.delete_service_token("not-a-uuid")
    anonymous = InfisicalClient(emulator.api_url, None)
    with pytest.raises(Unauthorized, match=r"Token missing.*run `infisical login`"):
        anonymous.list_projects()
    secret = client._bearer
    assert secret
    for err in (Forbidden, NotFound, Unauthorized):
        assert secret not in repr(err)


def test_an_unknown_project_on_a_2026_server_says_check_the_project_id(new_emulator: Emulator) -> None:
    """2026 answers 404 "Project with <id> not found" (token list) / "Project with ID '<id>' not found" (project)."""
    world = seed(new_emulator)
    missing = "00000000-0000-0000-0000-000000000000"
    with InfisicalClient(new_emulator.api_url, new_emulator.state.issue_jwt(world.admin)) as client:
        plainly = "not found. This project does not exist, or it is not yours. Check the project ID"
        with pytest.raises(ProjectNotFound, match=re.escape(f"Project with {missing} {plainly}")):
            client.list_service_tokens(missing)
        with pytest.raises(ProjectNotFound, match=re.escape(f"Project with ID '{missing}' {plainly}")):
            client.get_project(missing)


def test_folder_tree_is_the_same_from_one_call_or_a_walk(
    emulator: Emulator, world: Seeded, client: InfisicalClient
) -> None:
    tree = folders.full_tree(client, world.project.id)
    assert tree == {
        "dev": ["/", "/backend", "/backend/api", "/backend/worker", "/frontend"],
        "staging": ["/", "/backend"],
        "prod": ["/", "/backend", "/backend/api"],
    }
    tree_calls = [r for r in emulator.requests if r.path.endswith("environment-folder-tree")]
    folder_calls = [r for r in emulator.requests if r.path == "/api/v1/folders"]
    if emulator.mode == "new":
        assert len(tree_calls) == 1 and not folder_calls
    else:
        assert len(folder_calls) == 10  # one per existing folder, roots included


def test_route_fallback_is_remembered(emulator: Emulator, world: Seeded, client: InfisicalClient) -> None:
    client.list_service_tokens(world.project.id)
    before = len(emulator.requests)
    client.list_service_tokens(world.project.id)
    assert len(emulator.requests) == before + 1


def test_retry_after_is_honoured_and_capped(emulator: Emulator, world: Seeded, client: InfisicalClient) -> None:
    emulator.add_fault("rate_limit", method="GET", retry_after=2, times=1)
    client.list_projects()
    assert client.waits == [2.0]  # type: ignore[attr-defined]
    emulator.add_fault("rate_limit", method="GET", retry_after=600, times=1)
    with pytest.raises(RateLimited, match="try again in 600 seconds") as raised:
        client.list_projects()
    assert str(raised.value).count("try again in") == 1, raised.value  # Cloud's message says it: said once


def test_non_json_error_page(emulator: Emulator, client: InfisicalClient) -> None:
    with pytest.raises(ServerError, match="502 Bad Gateway"):
        emulator.add_fault("status", status=502, times=4)
        client.list_projects()


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name resolution is the one thing replaced: the real requests/urllib3 stack runs (no test reaches a DNS server)."""

    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = InfisicalClient("http://infisical.invalid/api", "t")
    with pytest.raises(DNSFailure, match="could not be resolved"):
        client.list_projects()
