"""Credentials from the Infisical CLI's login (OS keyring, file vault), API URL resolution and the trust rule."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infisical_tokens.core.api_url import DEFAULT_API_URL, normalize_api_url
from infisical_tokens.core.errors import ConfigError, SessionError, TrustError
from infisical_tokens.core.project_config import ProjectConfig
from infisical_tokens.core.session import (
    EXPIRED,
    NOT_LOGGED_IN,
    Credentials,
    custom_headers,
    load_cli_login,
    load_credentials,
    resolve_target,
    vault_file_name,
)
from tests.conftest import TOKEN_RE, Runner, base_env, link_project
from tests.emulator import Emulator, login, seed
from tests.emulator.login import write_file_vault

EMAIL = "admin@example.com"


def write_config(home: Path, domain: str, **extra: object) -> None:
    login.write_config(home, EMAIL, domain, **extra)


def keyring_env(home: Path) -> dict[str, str]:
    return {**base_env(home), "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}


def store_in_keyring(env: dict[str, str], value: str) -> None:
    """Write through the real keyring package in a separate process, as another program would."""
    code = "import keyring, sys; keyring.set_password('infisical-cli', sys.argv[1], sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, EMAIL, value], env=env, check=True)


# ---------------------------------------------------------------------- the CLI's login, end to end


@pytest.mark.parametrize("storage", ["keyring", "keyring-go-base64", "file-vault"])
def test_create_with_the_cli_login(run: Runner, storage: str) -> None:
    with Emulator("new") as emulator:
        world = seed(emulator)
        jwt = emulator.state.issue_jwt(world.admin)
        write_config(
            run.home,
            emulator.api_url,
            **(
                {"vaultBackendType": "file", "vaultBackendPassphrase": base64.b64encode(b"pass-phrase").decode()}
                if storage == "file-vault"
                else {}
            ),
        )
        env = keyring_env(run.home)
        credential = json.dumps({"email": EMAIL, "privateKey": "", "JTWToken": jwt, "RefreshToken": ""})
        if storage == "keyring":
            store_in_keyring(env, credential)
        elif storage == "keyring-go-base64":
            store_in_keyring(env, "go-keyring-base64:" + base64.b64encode(credential.encode()).decode())
        else:
            write_file_vault(run.home, EMAIL, jwt, "pass-phrase")
        link_project(run.cwd, world.project.id)
        run.env = env
        result = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only")
        assert result.code == 0, result.stderr
        assert TOKEN_RE.fullmatch(result.stdout.strip())
        assert emulator.requests[-1].headers["authorization"] == f"Bearer {jwt}"
        assert jwt not in result.output


def test_login_domain_wins_and_a_different_repository_domain_is_reported(run: Runner) -> None:
    with Emulator("new") as emulator:
        world = seed(emulator)
        write_config(run.home, emulator.url + "/")  # normalised to .../api
        run.env = keyring_env(run.home)
        store_in_keyring(run.env, json.dumps({"JTWToken": emulator.state.issue_jwt(world.admin)}))
        link_project(run.cwd, world.project.id, domain="https://evil.example.com")
        result = run("service-token", "list")
        assert result.code == 0, result.stderr
        assert "Ignoring domain 'https://evil.example.com'" in result.stderr
        assert "you are logged in to " + emulator.api_url in result.stderr
        other = run("service-token", "list", "--domain", "https://eu.infisical.com")
        assert other.code == 1 and "You are logged in to " + emulator.api_url in other.stderr
        assert "infisical login --domain https://eu.infisical.com" in other.stderr


def test_expired_login_says_to_log_in(run: Runner) -> None:
    with Emulator("new") as emulator:
        world = seed(emulator)
        write_config(run.home, emulator.api_url)
        run.env = keyring_env(run.home)
        store_in_keyring(run.env, json.dumps({"JTWToken": emulator.state.issue_jwt(world.admin, expires_in=10)}))
        result = run("service-token", "list", "--projectId", world.project.id)
        assert result.code == 1
        assert result.stderr.strip() == f"error: {EXPIRED}"  # the one prefix of every error


def test_no_keyring_backend(run: Runner) -> None:
    write_config(run.home, "https://app.infisical.com/api")
    result = run("service-token", "list", "--projectId", "p")
    assert result.code == 1
    assert "No OS keyring is available" in result.stderr and "INFISICAL_TOKEN" in result.stderr


# ---------------------------------------------------------------------- in-process details


def test_missing_config_means_not_logged_in(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="You must be logged in"):
        load_cli_login(tmp_path, {})
    assert "infisical login" in NOT_LOGGED_IN


def test_file_vault_wrong_or_missing_passphrase(tmp_path: Path) -> None:
    write_config(tmp_path, DEFAULT_API_URL, vaultBackendType="file")
    write_file_vault(tmp_path, EMAIL, "x.y.z", "right")
    with pytest.raises(SessionError, match="INFISICAL_VAULT_FILE_PASSPHRASE"):
        load_cli_login(tmp_path, {})
    with pytest.raises(SessionError, match="passphrase is wrong"):
        load_cli_login(tmp_path, {"INFISICAL_VAULT_FILE_PASSPHRASE": "wrong"})


def test_vault_file_names_escape_like_mtibben_percent() -> None:
    assert vault_file_name("a/b%c@x.io") == "a%2Fb%25c@x.io"


def test_infisical_token_comes_first(tmp_path: Path) -> None:
    write_config(tmp_path, DEFAULT_API_URL)
    credentials = load_credentials({"INFISICAL_TOKEN": " st.abc.def.ghi "}, tmp_path)
    assert credentials.source == "INFISICAL_TOKEN" and credentials.kind == "service"
    assert credentials.bearer == "st.abc.def"
    assert "st.abc" not in repr(credentials)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://app.infisical.com", "https://app.infisical.com/api"),
        ("https://app.infisical.com/", "https://app.infisical.com/api"),
        ("https://app.infisical.com/api", "https://app.infisical.com/api"),
        ("https://x/api/", "https://x/api/api"),  # the CLI's rule, kept
        ("", ""),
    ],
)
def test_normalize_api_url(given: str, expected: str) -> None:
    assert normalize_api_url(given) == expected


def _project(domain: str) -> ProjectConfig:
    return ProjectConfig(path=Path("/repo/.infisical.json"), workspace_id="p", domain=domain)


TOKEN = Credentials("t", "INFISICAL_TOKEN")
LOGIN = Credentials("t", "keyring", EMAIL, "https://eu.infisical.com/api")


@pytest.mark.parametrize(
    ("flag", "env", "project", "credentials", "expected"),
    [
        (None, {}, None, TOKEN, DEFAULT_API_URL),
        ("https://self.hosted", {}, None, TOKEN, "https://self.hosted/api"),
        (None, {"INFISICAL_DOMAIN": "https://a.io"}, None, TOKEN, "https://a.io/api"),
        (None, {"INFISICAL_API_URL": "https://legacy.io/api"}, None, TOKEN, "https://legacy.io/api"),
        (
            None,
            {"INFISICAL_DOMAIN": "https://a.io", "INFISICAL_API_URL": "https://b.io"},
            None,
            TOKEN,
            "https://a.io/api",
        ),
        (None, {}, _project("https://app.infisical.com"), TOKEN, DEFAULT_API_URL),
        ("https://self.hosted", {}, _project("https://self.hosted"), TOKEN, "https://self.hosted/api"),
        (None, {}, _project("https://repo.io"), None, "https://repo.io/api"),
        (None, {}, None, LOGIN, "https://eu.infisical.com/api"),
        ("https://eu.infisical.com", {}, _project("https://repo.io"), LOGIN, "https://eu.infisical.com/api"),
    ],
)
def test_resolve_target(
    flag: str | None, env: dict[str, str], project: ProjectConfig | None, credentials: Credentials | None, expected: str
) -> None:
    assert resolve_target(flag, env, project, credentials).api_url == expected


def test_repository_domain_never_gets_a_token_silently() -> None:
    with pytest.raises(TrustError, match="A repository cannot choose"):
        resolve_target(None, {}, _project("https://repo.io"), TOKEN)
    with pytest.raises(TrustError, match=re.escape("You are logged in to https://eu.infisical.com/api")):
        resolve_target(None, {"INFISICAL_DOMAIN": "https://other.io"}, None, LOGIN)
    notes = resolve_target(None, {}, _project("not a url"), TOKEN).notes
    assert "is not a valid URL" in notes[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        ("k1=v1 k2=\"v 2\" k3='v3'", {"k1": "v1", "k2": "v 2", "k3": "v3"}),
        ("User-Agent=x Accept=y X=1", {"X": "1"}),
        ("  a=  ", {"a": ""}),
    ],
)
def test_custom_headers(raw: str, expected: dict[str, str]) -> None:
    assert custom_headers({"INFISICAL_CUSTOM_HEADERS": raw}) == expected


@pytest.mark.parametrize("raw", ["novalue", "a=b c", 'a="unterminated'])
def test_custom_headers_malformed(raw: str) -> None:
    with pytest.raises(ConfigError, match="invalid custom header format"):
        custom_headers({"INFISICAL_CUSTOM_HEADERS": raw})
