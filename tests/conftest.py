"""Shared fixtures: the emulator over real loopback HTTP, isolated homes, and the installed CLI as a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.emulator import Emulator, Seeded, seed

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

CLI = str(Path(sys.executable).parent / "infisical-tokens")

# What some tests need from the operating system; elsewhere they are skipped saying why (Linux runs them all).
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason=f"{sys.platform} has no os.mkfifo (named pipes)")
needs_pty = pytest.mark.skipif(sys.platform == "win32", reason="Windows has no pty module (pseudo-terminals)")
needs_dev_full = pytest.mark.skipif(
    not os.path.exists("/dev/full"), reason=f"{sys.platform} has no /dev/full (a device every write to fails)"
)
TOKEN_RE = re.compile(r"st\.[0-9a-f-]{36}\.[0-9a-f]{32}\.[0-9a-f]{32}")


@pytest.fixture(params=["new", "old"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """An emulator of each server generation (the test runs once per mode)."""
    with Emulator(request.param) as em:
        yield em


@pytest.fixture
def new_emulator() -> Iterator[Emulator]:
    with Emulator("new") as em:
        yield em


@pytest.fixture
def world(emulator: Emulator) -> Seeded:
    return seed(emulator)


@pytest.fixture
def login(world: Seeded, emulator: Emulator) -> dict[str, str]:
    """Environment for an admin using INFISICAL_TOKEN (a user JWT) against the emulator."""
    return {
        "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": emulator.url,
        "INFISICAL_PROJECT_ID": world.project.id,
    }


def magic_shell(
    emulator: Emulator, world: Seeded, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    """An IPython shell with the extension loaded, logged in to ``emulator`` through the environment."""
    from IPython.core.interactiveshell import InteractiveShell

    for key, value in base_env(folder).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("INFISICAL_TOKEN", emulator.state.issue_jwt(world.admin))
    monkeypatch.setenv("INFISICAL_DOMAIN", emulator.url)
    monkeypatch.setenv("INFISICAL_PROJECT_ID", world.project.id)
    monkeypatch.chdir(folder)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    yield shell
    shell.run_line_magic("unload_ext", "infisical_tokens.magics")
    InteractiveShell.clear_instance()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Runner:
    """Runs ``infisical-tokens`` with a clean environment: an empty HOME and only the variables given."""

    home: Path
    cwd: Path
    env: dict[str, str]

    def __call__(
        self, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
    ) -> Result:
        full_env = {**self.env, **(env or {})}
        proc = subprocess.run(
            [CLI, *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd or self.cwd,
            timeout=60,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in result.output, result.output
        return result


def base_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "LANG": "C.UTF-8",
    }


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    return Runner(home, work, base_env(home))


def link_project(folder: Path, project_id: str, **extra: object) -> Path:
    """Write an ``.infisical.json`` as ``infisical init`` does."""
    path = folder / ".infisical.json"
    data = {"workspaceId": project_id, "defaultEnvironment": "", "gitBranchToEnvironmentMapping": None, **extra}
    path.write_text(json.dumps(data, indent=4))
    return path
