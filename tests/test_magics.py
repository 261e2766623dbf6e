"""The %infisical magic: in-process with an InteractiveShell, and in a real kernel executing notebooks."""

from __future__ import annotations

import json
import os
import pickle
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbclient import NotebookClient

from infisical_tokens.magics import ServiceToken
from tests.conftest import TOKEN_RE, Runner, base_env, magic_shell
from tests.emulator import Emulator, Seeded, seed
from tests.test_check import git_tree

RAW_TOKEN = re.compile(r"st\.[0-9a-f-]{36}\.[0-9a-f]{32}")  # any usable token (3 or 4 segments)


@pytest.fixture
def world(new_emulator: Emulator) -> Seeded:
    return seed(new_emulator)


@pytest.fixture
def ip(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    yield from magic_shell(new_emulator, world, tmp_path, monkeypatch)


def test_create_returns_a_masked_token(ip: InteractiveShell, new_emulator: Emulator) -> None:
    tok = ip.run_line_magic(
        "infisical", "service-token create --scope=dev:/backend/** --access-level=read --expiry-seconds 3600"
    )
    assert type(tok) is ServiceToken  # not a str subclass: "x" + tok must fail instead of leaking
    raw = tok.reveal()
    assert TOKEN_RE.fullmatch(raw)
    for shown in (repr(tok), str(tok), f"{tok}", "%s" % (tok,), tok._repr_html_()):  # noqa: UP031 - %-format is one of the ways a token could leak
        assert raw not in shown and raw.split(".")[2] not in shown
        assert "st." in shown
    assert raw.split(".")[1] in new_emulator.state.tokens
    body = new_emulator.requests_to("POST", "/api/v2/service-token")[0].body
    assert body["expiresIn"] == 3600 and body["scopes"] == [{"environment": "dev", "secretPath": "/backend/**"}]
    with pytest.raises(TypeError, match="refuses to be pickled"):
        pickle.dumps(tok)
    with pytest.raises(TypeError):
        "x" + tok  # type: ignore[operator]


def test_capture_without_display(ip: InteractiveShell) -> None:
    with capture_output() as captured:
        result = ip.run_cell("tok = %infisical service-token create -s dev:/ -a read")
    assert result.success and result.result is None
    assert isinstance(ip.user_ns["tok"], ServiceToken)
    assert captured.stdout == "" and not captured.outputs
    with capture_output() as captured:
        ip.run_cell("%infisical service-token create -s dev:/ -a read --out other")
    assert isinstance(ip.user_ns["other"], ServiceToken)
    assert "Stored service token" in captured.stdout and not RAW_TOKEN.search(captured.stdout)


def test_env_export_prints_only_that_it_did(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICE_TOKEN", raising=False)
    with capture_output() as captured:
        ip.run_cell("%infisical service-token create -s dev:/ -a read --env SERVICE_TOKEN")
    assert TOKEN_RE.fullmatch(os.environ["SERVICE_TOKEN"])
    assert captured.stdout.startswith("Set SERVICE_TOKEN to service token")
    assert os.environ["SERVICE_TOKEN"] not in captured.stdout


def test_token_only_is_masked_unless_revealed(ip: InteractiveShell) -> None:
    with capture_output() as masked:
        ip.run_cell("%infisical service-token create -s dev:/ -a read --token-only")
    assert "(masked" in masked.stdout and not RAW_TOKEN.search(masked.stdout)
    with capture_output() as revealed:
        ip.run_cell("%infisical service-token create -s dev:/ -a read --token-only --reveal")
    assert TOKEN_RE.search(revealed.stdout) and "will be saved" in revealed.stderr
    ip.run_line_magic("config", "InfisicalMagics.show_token = True")
    with capture_output() as configured:
        ip.run_cell("%infisical service-token create -s dev:/ -a read --token-only")
    assert TOKEN_RE.search(configured.stdout)


def test_list_view_delete(ip: InteractiveShell, new_emulator: Emulator) -> None:
    tok = ip.run_line_magic("infisical", "service-token create -s dev:/ -a read -n nb")
    token_id = tok.reveal().split(".")[1]
    table = ip.run_line_magic("infisical", "service-token list")
    assert token_id in repr(table) and "<table>" in table._repr_html_() and "nb" in table._repr_html_()
    details = ip.run_line_magic("infisical", f"service-token view {token_id[:8]}")
    assert "Name:" in repr(details) and token_id in details._repr_html_()
    with pytest.raises(UsageError, match="pass --yes to confirm"):
        ip.run_line_magic("infisical", f"service-token delete {token_id}")
    ip.run_line_magic("infisical", f"service-token delete {token_id} --yes")
    assert token_id not in new_emulator.state.tokens
    for shown in (repr(table), table._repr_html_(), repr(details)):
        assert not RAW_TOKEN.search(shown)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("service-token create -s dev: -a read", "has an empty path"),
        ("service-token create -s dev:/", "You must define whether your service token can be used"),
        ("service-token create -s dve:/ -a read", "Did you mean 'dev'?"),
        ("service-token create -s dev:/ -a read --bogus", "unknown flag: --bogus"),
        ("service-token create -s 'dev:/ -a read", "No closing quotation"),
        ("service-token create -s dev:/ -a read --out 1x", "--out needs a plain Python variable name"),
        ("service-token create -s dev:/ -a read --out __builtins__", "--out needs a plain Python variable name"),
        ("service-token create -s dev:/ -a read --out class", "--out needs a plain Python variable name"),
        ("service-token create -s dev:/ -a read --env A=B", "--env needs an environment variable name"),
        ("service-token lst", "unknown command"),
        ("service-token list --out x", "only go with `service-token create`"),
    ],
)
def test_bad_input_is_a_usage_error(ip: InteractiveShell, line: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        ip.run_line_magic("infisical", line)


def test_errors_show_no_traceback_and_no_secret(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFISICAL_PROJECT_ID", "00000000-0000-0000-0000-000000000000")
    with capture_output() as captured:
        ip.run_cell("%infisical service-token create -s dev:/ -a read")
    assert "UsageError:" in captured.stderr and "Traceback" not in captured.stderr
    assert "404 Not Found: Project with ID '00000000-0000-0000-0000-000000000000' not found" in captured.stderr
    assert "does not exist, or it is not yours. Check the project ID (it came from INFISICAL_PROJECT_ID)" in (
        captured.stderr
    )
    assert os.environ["INFISICAL_TOKEN"] not in captured.stderr + captured.stdout


def test_help_runs_nothing(ip: InteractiveShell, new_emulator: Emulator) -> None:
    with capture_output() as captured:
        ip.run_cell("%infisical service-token create --help")
    assert "--scope strings" in captured.stdout and "--out NAME" in captured.stdout
    assert new_emulator.requests == []


def test_variable_expansion_and_literal_braces(ip: InteractiveShell, new_emulator: Emulator) -> None:
    ip.user_ns["env"] = "dev"
    ip.run_cell('tok = %infisical service-token create -s $env:/backend/** -a read -n "{{team}}"')
    body = new_emulator.requests_to("POST", "/api/v2/service-token")[0].body
    assert body["scopes"][0]["environment"] == "dev" and body["name"] == "{team}"


def test_config_traits(
    ip: InteractiveShell, world: Seeded, new_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFISICAL_PROJECT_ID")
    monkeypatch.delenv("INFISICAL_DOMAIN")
    ip.run_line_magic("config", f"InfisicalMagics.api_url = '{new_emulator.url}'")
    ip.run_line_magic("config", f"InfisicalMagics.project_id = '{world.other_project.id}'")
    ip.run_line_magic("infisical", "service-token create -s dev:/ -a read --out t")
    assert new_emulator.requests_to("POST", "/api/v2/service-token")[0].body["workspaceId"] == world.other_project.id


def test_completion_in_process(ip: InteractiveShell) -> None:
    from IPython.core.completer import provisionalcompleter

    def complete(text: str) -> list[str]:
        with provisionalcompleter():
            return [c.text for c in ip.Completer.completions(text, len(text))]

    assert "--scope=" in complete("%infisical service-token create --sc")
    assert "create" in complete("%infisical service-token cr")
    assert complete("%infisical service-token create -a re") == ["read"]
    for _ in range(100):  # the first ask starts the catalog's background load; it never blocks
        if "dev:" in complete("%infisical service-token create --scope=de"):
            break
        time.sleep(0.05)
    assert "dev:" in complete("%infisical service-token create --scope=de")
    assert "/backend/" in complete("%infisical service-token create --scope=dev:/b")


# ---------------------------------------------------------------------- a real kernel

NOTEBOOK_CELLS = [
    "%load_ext infisical_tokens.magics",
    "tok = %infisical service-token create --scope=dev:/backend/** --access-level=read --expiry-seconds 3600",
    "tok",
    "print(tok)",
    "%infisical service-token create -s dev:/ -a read --env APP_TOKEN",
    "import os; print(len(os.environ['APP_TOKEN']))",
    "%infisical service-token create -s dev:/ -a read --token-only",
    "%infisical service-token list",
    "%infisical service-token view {tok.info.id}",
    "%infisical service-token create -s dev: -a read",
]


def test_notebook_saves_no_token(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        **base_env(tmp_path),
        "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": new_emulator.url,
        "INFISICAL_PROJECT_ID": world.project.id,
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.cells[-1].metadata["tags"] = ["raises-exception"]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / "executed.ipynb"
    nbformat.write(nb, saved)

    outputs = [o for cell in nb.cells for o in cell.outputs]
    text = saved.read_text()
    assert not RAW_TOKEN.search(text)
    assert len(new_emulator.state.tokens) == 3  # created, exported, token-only
    assert "<ServiceToken name='Service token generated via CLI' token=st." in text
    assert "Set APP_TOKEN to service token" in text and '"105\\n"' in text
    assert "(masked; use tok = %infisical" in text
    assert "UsageError" in text and "has an empty path" in text and "Traceback" not in text
    assert any("text/html" in o.get("data", {}) for o in outputs)
    history = tmp_path / "ipython" / "profile_default" / "history.sqlite"
    if history.exists():
        with sqlite3.connect(history) as db:
            rows = " ".join(str(r) for r in db.execute("select source_raw from history"))
        assert not RAW_TOKEN.search(rows)


def test_completion_through_a_kernel(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env={**os.environ, **base_env(tmp_path)})
    try:
        kc.execute_interactive("%load_ext infisical_tokens.magics", timeout=60)
        code = "%infisical service-token create --sc"
        reply = kc.complete(code, len(code), reply=True, timeout=60)
        assert "--scope=" in reply["content"]["matches"]
        code = "%infisical service-token create -a re"
        reply = kc.complete(code, len(code), reply=True, timeout=60)
        assert reply["content"]["matches"] == ["read"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_completion_follows_the_magics_project_setting(
    ip: InteractiveShell, world: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tab completion resolves the project as the magic's commands do: the %config trait wins over the environment."""
    from IPython.core.completer import provisionalcompleter

    def complete(text: str) -> list[str]:
        with provisionalcompleter():
            return [c.text for c in ip.Completer.completions(text, len(text))]

    ip.run_line_magic("config", f"InfisicalMagics.project_id = '{world.other_project.id}'")
    line = "%infisical service-token create --scope="
    for _ in range(100):
        if "dev:" in complete(line):
            break
        time.sleep(0.05)
    assert complete(line) == ["dev:"]  # the other project has only 'dev'; INFISICAL_PROJECT_ID's has three
    ip.run_line_magic("config", "InfisicalMagics.project_id = ''")
    for _ in range(100):
        if len(complete(line)) == 3:
            break
        time.sleep(0.05)
    assert sorted(complete(line)) == ["dev:", "prod:", "staging:"]


def test_nothing_before_a_cached_catalog_is_python_names(ip: InteractiveShell) -> None:
    from IPython.core.completer import provisionalcompleter

    line = "%infisical service-token create --name=x pri"
    with provisionalcompleter():
        found = [c.text for c in ip.Completer.completions(line, len(line))]
    assert "print" not in found and "abs" not in found


def test_check_in_a_repository_finds_what_the_command_line_finds(
    ip: InteractiveShell, run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The magic's check reads git's lists (tracked, untracked, ignored) as the command line does, in path order."""
    tree = tmp_path / "tree"
    tree.mkdir()
    git_tree(tree)
    monkeypatch.chdir(tree)
    with capture_output() as captured:
        ip.run_line_magic("infisical", "check --format json")
    by_cli = run("check", "--format", "json", cwd=tree)
    assert json.loads(captured.stdout) == json.loads(by_cli.stdout) != []
    paths = [report["path"] for report in json.loads(captured.stdout)]
    assert "new.sh" in paths and not any(path.startswith("ignored/") for path in paths)
