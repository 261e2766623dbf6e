"""``%infisical service-token migrate`` (issue 22): the client secret comes back masked, in-process and in a
real kernel whose saved notebook is grepped for it."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbclient import NotebookClient

from infisical_tokens.magics.identity import MachineIdentity
from tests.conftest import base_env, magic_shell
from tests.emulator import Emulator, Seeded, client


@pytest.fixture
def emulator(new_emulator: Emulator) -> Emulator:
    """A 2026 server (conftest's ``world`` seeds it)."""
    return new_emulator


@pytest.fixture
def ip(
    emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    yield from magic_shell(emulator, world, tmp_path, monkeypatch)


def test_migrate_returns_a_masked_identity_that_reads(ip: InteractiveShell, emulator: Emulator, world: Seeded) -> None:
    token = client.create_token(
        emulator, emulator.state.issue_jwt(world.admin), world.project.id, [("dev", "/frontend")]
    )
    with capture_output() as captured:
        ident = ip.run_line_magic("infisical", f"service-token migrate {token.split('.')[1]}")
    assert type(ident) is MachineIdentity
    secret = ident.reveal()
    for shown in (repr(ident), str(ident), f"{ident}", ident._repr_html_(), captured.stdout, captured.stderr):
        assert secret not in shown and secret[4:12] not in shown
    assert "is pinned to dev:/frontend" in captured.stderr  # said before anything was created
    assert "--env=dev --path=/frontend" in ident._repr_html_()
    with pytest.raises(TypeError, match="refuses to be pickled"):
        pickle.dumps(ident)
    login = client.ua_login(emulator, ident.client_id, secret)
    read = client.read_secrets(emulator, login.json()["accessToken"], world.project.id, "dev", "/frontend")
    assert client.secret_values(read) == ["dev/frontend:FRONTEND_KEY"]


def test_a_dry_run_prints_the_plan_and_creates_nothing(ip: InteractiveShell, emulator: Emulator, world: Seeded) -> None:
    token = client.create_token(emulator, emulator.state.issue_jwt(world.admin), world.project.id, [("dev", "/**")])
    with capture_output() as captured:
        assert ip.run_line_magic("infisical", f"service-token migrate {token.split('.')[1]} --dry-run") is None
    assert "Dry run: nothing was sent." in captured.stdout and not emulator.identities.by_id


def test_notebook_saves_no_client_secret(
    emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jwt = emulator.state.issue_jwt(world.admin)
    token = client.create_token(emulator, jwt, world.project.id, [("dev", "/backend/**")])
    env = {
        **base_env(tmp_path),
        "INFISICAL_TOKEN": jwt,
        "INFISICAL_DOMAIN": emulator.url,
        "INFISICAL_PROJECT_ID": world.project.id,
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cells = [
        "%load_ext infisical_tokens.magics",
        f"ident = %infisical service-token migrate {token.split('.')[1]}",
        "ident",
        "print(ident)",
        "len(ident.reveal())",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / "executed.ipynb"
    nbformat.write(nb, saved)
    text = saved.read_text()
    (secret,) = [r.body["clientSecret"] for r in emulator.requests if r.path.endswith("/universal-auth/login")]
    assert secret not in text
    assert "<MachineIdentity name='reader'" in text and '"64"' in text and "Traceback" not in text
    history = tmp_path / "ipython"
    assert all(secret.encode() not in p.read_bytes() for p in history.rglob("*") if p.is_file())
