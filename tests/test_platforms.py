"""Per-user places on Linux, macOS and Windows: the folder cache (platformdirs) and the Infisical CLI's login
(its config file, and where its keyring library files the login in each OS keyring), and the cache files and TCP
secret as Windows writes them (no owner or mode checks), with the platform injected."""

from __future__ import annotations

import base64
import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath

import keyring
import pytest
from keyring.backend import KeyringBackend

from infisical_tokens.core import cachefile
from infisical_tokens.core.errors import SessionError
from infisical_tokens.core.folders import cache_dir
from infisical_tokens.core.session import keyring_entry, read_cli_config, read_os_keyring
from infisical_tokens.lsp import tcp_auth
from tests.conftest import Runner
from tests.emulator import Seeded, login

EMAIL = "ada@example.com"


def _fake_jwt() -> str:
    """A JWT-shaped login made here (an unsigned header and claims, a placeholder signature): no real credential
    sits in the tree."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'exp': 9999999999, 'fake': True})}.not-a-signature"


JWT = _fake_jwt()


@pytest.fixture
def user_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A person's environment as each OS sets it (platformdirs reads these itself)."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    # platformdirs asks Windows for LOCALAPPDATA; on other systems its documented override stands in
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", r"C:\Users\ada\AppData\Local")
    return home


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", "{home}/.cache/infisical-tokens/folders"),
        ("darwin", "{home}/Library/Caches/infisical-tokens/folders"),
        ("win32", r"C:\Users\ada\AppData\Local\infisical-tokens\Cache\folders"),
    ],
)
def test_folder_cache_where_each_platform_keeps_caches(user_env: Path, platform: str, expected: str) -> None:
    if sys.platform == "win32" and platform != "win32":
        pytest.skip("Windows expands ~ from USERPROFILE, not HOME")
    found = cache_dir(platform)
    assert found is not None
    if platform == "win32":
        assert PureWindowsPath(str(found)) == PureWindowsPath(expected)
    else:
        assert found == Path(expected.format(home=user_env))


def test_folder_cache_follows_xdg_cache_home(user_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_env / "xdg"))
    assert cache_dir("linux") == user_env / "xdg" / "infisical-tokens" / "folders"


def test_the_command_line_caches_folders_in_the_platform_place(
    run: Runner, world: Seeded, login: dict[str, str]
) -> None:
    """Through the real command line: a dry run's folder listings land under XDG_CACHE_HOME, nowhere else."""
    cache = run.home / "elsewhere"
    places = {"XDG_CACHE_HOME": str(cache), "WIN_PD_OVERRIDE_LOCAL_APPDATA": str(cache)}  # Linux and macOS; Windows
    result = run("service-token", "create", "-s", "dev:/backend/**", "-a", "read", "--dry-run",
                 env={**login, **places})  # fmt: skip
    assert result.code == 0, result.stderr
    files = [f for f in cache.glob("infisical-tokens/**/folders/*.json") if not f.name.startswith("budget-")]
    assert len(files) == 1 and "backend" in files[0].read_text()
    assert not (run.home / ".cache").exists()
    assert login["INFISICAL_TOKEN"] not in files[0].read_text()


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_cli_config_is_in_the_home_folder_on_every_platform(tmp_path: Path, platform: str) -> None:
    """The CLI writes ``<os.UserHomeDir>/.infisical/infisical-config.json`` on every OS (Path.home() is the same
    folder: $HOME, or %USERPROFILE% on Windows); the platform changes only where the keyring keeps the login."""
    login.write_config(tmp_path, EMAIL, "https://eu.infisical.com/api")
    config = read_cli_config(tmp_path)
    assert config is not None and config.email == EMAIL and config.domain == "https://eu.infisical.com/api"
    service, account = keyring_entry(platform, EMAIL)
    assert account == EMAIL
    assert service == ("infisical-cli:ada@example.com" if platform == "win32" else "infisical-cli")


class OsKeyring(KeyringBackend):
    """An OS keyring holding one entry, returned as keyring's own backend for that OS returns it."""

    priority = 1

    def __init__(self, entries: dict[tuple[str, str], str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries = entries

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


@pytest.fixture
def os_keyring() -> Iterator[dict[tuple[str, str], str]]:
    entries: dict[tuple[str, str], str] = {}
    before = keyring.get_keyring()
    keyring.set_keyring(OsKeyring(entries))
    try:
        yield entries
    finally:
        keyring.set_keyring(before)


def as_windows_backend_reads(stored: str) -> str:
    """go-keyring writes UTF-8 bytes; keyring's Windows backend decodes them as UTF-16 first."""
    raw = stored.encode()
    return raw.decode("utf-16-le") if len(raw) % 2 == 0 else raw.decode()


@pytest.mark.parametrize("padding", ["", " "])  # an even and an odd number of bytes
def test_windows_credential_manager_login(os_keyring: dict[tuple[str, str], str], padding: str) -> None:
    value = json.dumps({"email": EMAIL, "JTWToken": JWT}) + padding
    os_keyring[("infisical-cli:" + EMAIL, EMAIL)] = as_windows_backend_reads(value)
    assert read_os_keyring(EMAIL, platform="win32") == JWT


def test_macos_keychain_login(os_keyring: dict[tuple[str, str], str]) -> None:
    value = json.dumps({"email": EMAIL, "JTWToken": JWT})
    os_keyring[("infisical-cli", EMAIL)] = "go-keyring-base64:" + base64.b64encode(value.encode()).decode()
    assert read_os_keyring(EMAIL, platform="darwin") == JWT


def test_secret_service_login(os_keyring: dict[tuple[str, str], str]) -> None:
    os_keyring[("infisical-cli", EMAIL)] = json.dumps({"email": EMAIL, "JTWToken": JWT})
    assert read_os_keyring(EMAIL, platform="linux") == JWT


def test_a_login_filed_for_another_platform_is_not_found(os_keyring: dict[tuple[str, str], str]) -> None:
    """The lookup is the platform's own: a Linux-style entry is not what Windows' Credential Manager holds."""
    os_keyring[("infisical-cli", EMAIL)] = json.dumps({"email": EMAIL, "JTWToken": JWT})
    with pytest.raises(SessionError, match="couldn't find your logged in details"):
        read_os_keyring(EMAIL, platform="win32")


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows platformdirs asks the system, which always answers")
def test_no_cache_rather_than_a_failure_when_the_platform_names_no_folder(
    user_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' folder cannot be known here without its override: the folder walks then run without a cache."""
    monkeypatch.delenv("WIN_PD_OVERRIDE_LOCAL_APPDATA")
    assert cache_dir("win32") is None


@pytest.mark.skipif(sys.platform == "win32", reason="contrasts with the POSIX checks, which need POSIX")
def test_the_cache_files_as_windows_keeps_them(tmp_path: Path) -> None:
    """On Windows (``posix=False``) the cache works without owner or mode checks (no ``os.geteuid``, no
    ``os.fchmod`` there): a shared-looking folder and file are used as they are, and written whole."""
    folder = tmp_path / "infisical-tokens" / "folders"
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    cache = folder / "cache.json"
    cache.write_text('{"listings": {}}')
    cache.chmod(0o644)
    assert cachefile.private_folder(folder, create=False, posix=False)
    assert cachefile.read_json(cache, 1000, posix=False) == {"listings": {}}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755 and stat.S_IMODE(cache.stat().st_mode) == 0o644
    assert cachefile.write_json(cache, {"whole": {"dev": 1.0}}, posix=False)
    assert cachefile.read_json(cache, 1000, posix=False) == {"whole": {"dev": 1.0}}
    assert sorted(p.name for p in folder.iterdir()) == ["cache.json"]  # the temporary file was renamed over it
    fresh = tmp_path / "fresh" / "folders"
    assert cachefile.write_json(fresh / "cache.json", [1], posix=False) and cachefile.read_json(
        fresh / "cache.json", 1000, posix=False
    ) == [1]
    link = tmp_path / "link"
    link.symlink_to(folder)
    assert not cachefile.private_folder(link, create=False, posix=False)  # a link is still never followed
    assert cachefile.read_json(cache, 5, posix=False) is None  # and the size bound still holds
    # the same calls as POSIX does them mend the modes: the flag is what differs, not the code path taken
    assert cachefile.private_folder(folder, create=False, posix=True)
    assert cachefile.read_json(cache, 1000, posix=True) == {"whole": {"dev": 1.0}}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(cache.stat().st_mode) == 0o600


@pytest.mark.skipif(sys.platform == "win32", reason="contrasts with the POSIX checks, which need POSIX")
def test_the_tcp_secret_as_windows_writes_it(tmp_path: Path) -> None:
    """The language server's TCP secret is written on Windows too (no ``os.getuid``, no ``O_NOFOLLOW`` there)."""
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}
    (tmp_path / "run" / "infisical-tokens" / "lsp").mkdir(parents=True, mode=0o755)
    gate, notice = tcp_auth.open_gate(4389, env, tmp_path, posix=False)
    assert gate.path is not None and gate.secret is not None, notice
    assert gate.path.read_text() == gate.secret and gate.admits({tcp_auth.OPTION: gate.secret})
    assert stat.S_IMODE(gate.path.parent.stat().st_mode) == 0o755  # left as Windows has it
    gate.remove()


@pytest.mark.parametrize(
    ("platform", "ends"),
    [("linux", ".cache/infisical-tokens/lsp"), ("darwin", "Library/Caches/infisical-tokens/lsp")],
)
def test_the_tcp_secret_lives_where_the_platform_keeps_per_user_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, ends: str
) -> None:
    """Without ``$XDG_RUNTIME_DIR`` the secret goes to the platform's per-user cache, not a Linux path on a Mac."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    folder = tcp_auth.secret_folder({}, tmp_path, platform)
    assert folder.as_posix().endswith(ends) and folder.is_relative_to(tmp_path), folder
    windows = tcp_auth.secret_folder({}, tmp_path, "win32")
    assert windows.name == "lsp" and ".cache" not in windows.parts, windows
