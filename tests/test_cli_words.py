"""The command line's words, through the installed CLI: a message and its hint as sentences, problems in reading
order, one error prefix, times marked UTC, and audit's durations and commands that can be pasted as they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infisical_tokens.core import __version__
from tests.conftest import Runner, link_project
from tests.emulator import Emulator, Seeded


def test_check_joins_message_and_hint_as_sentences_in_reading_order(run: Runner) -> None:
    (run.cwd / "ci.sh").write_text(
        "infisical service-token create --access-level=reed --scope=dev:backend\n"
        "infisical service-token create --scope=dev:/\n"
    )
    result = run("check", ".")
    assert result.code == 1
    assert "can only be of values read and write. Got 'reed'." in result.stdout
    assert "via the --access-level flag. Add --access-level=read" in result.stdout
    places = [tuple(map(int, m)) for m in re.findall(r"ci\.sh:(\d+):(\d+):", result.stdout)]
    assert len(places) == 3 and places == sorted(places)


def test_every_error_has_the_one_prefix(run: Runner, login: dict[str, str]) -> None:
    usage = run("service-token", "create", "-s", "dev:/")
    offline = run("service-token", "list")
    missing = run("service-token", "view", "nosuchtoken", env=login)
    for result in (usage, offline, missing):
        assert result.code == 1 and result.stderr.startswith("error: "), result.stderr


def test_list_and_view_say_utc_and_name_the_creator_the_same_way(
    run: Runner, world: Seeded, login: dict[str, str]
) -> None:
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", env=login).stdout.strip()
    table = run("service-token", "list", env=login).stdout
    assert "EXPIRES (UTC)" in table and "LAST USED (UTC)" in table
    token_id = created.split(".")[1]
    by_id = run("service-token", "view", token_id, env=login).stdout
    by_token = run("service-token", "view", "-", env=login, stdin=created).stdout
    creator = f"Created by: user {world.admin.id}"
    assert creator + "\n" in by_id
    assert creator in by_token and created not in by_token


def test_audit_says_real_durations_and_the_command_to_paste(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    for name, seconds in (("soon", "56"), ("later", "2400"), ("days", str(2 * 86400 + 60)), ("forever", "0")):
        run("service-token", "create", "-s", "dev:/", "-a", "read", "-n", name, "-e", seconds, env=login)
    data = json.loads(run("service-token", "audit", "--json", env=login).stdout)
    said = {f["tokenName"]: f for f in data["findings"] if f["code"] in ("token-expiring", "token-never-expires")}
    assert re.fullmatch(r"Expires in [45]\d seconds\.", said["soon"]["message"])
    assert re.fullmatch(r"Expires in 39 minutes [1-5]?\d seconds\.", said["later"]["message"])
    assert said["days"]["message"].startswith("Expires in 2 days")
    assert "-e 7776000" in said["forever"]["hint"] and "90 days" in said["forever"]["hint"]
    command = re.search(r"`(infisical-tokens [^`]+)`", said["later"]["hint"])
    assert command is not None
    words = command.group(1).split()[1:]
    assert words[:2] == ["service-token", "rotate"] and said["later"]["tokenId"].startswith(words[2])
    pasted = run(*words, "--dry-run", env=login)
    assert pasted.code == 0 and "Then delete the old service token 'later'" in pasted.stdout


def test_python_m_runs_the_command_line(run: Runner, world: Seeded) -> None:
    import subprocess
    import sys

    link_project(run.cwd, world.project.id)
    proc = subprocess.run(
        [sys.executable, "-m", "infisical_tokens.core", "--help"], capture_output=True, text=True, env=run.env
    )
    assert proc.returncode == 0 and "completion" in proc.stdout


def test_lsp_version_answers_without_loading_the_server(run: Runner) -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from infisical_tokens.lsp.launch import main; main(['--version']); print('pygls' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=run.env)
    assert proc.stdout.split("\n")[:2] == [f"infisical-lsp {__version__}", "False"]
    script = subprocess.run(
        [str(Path(sys.executable).parent / "infisical-lsp"), "--version"], capture_output=True, text=True, env=run.env
    )
    assert script.stdout == f"infisical-lsp {__version__}\n"


def test_the_magic_without_ipython_says_what_to_install(run: Runner) -> None:
    import subprocess
    import sys

    probe = (
        "import sys; sys.modules['IPython'] = None\n"  # as in an environment without IPython
        "from infisical_tokens.magics import load_ipython_extension\n"
        "load_ipython_extension(None)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=run.env)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        "ImportError: The %infisical magic needs IPython: install `infisical-tokens[notebook]` "
        "(pip install 'infisical-tokens[notebook]')."
    )


def test_create_warns_before_sending_a_scope_that_covers_no_folder(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    nothing = run("service-token", "create", "-s", "dev:/nope/**", "-a", "read", "--token-only", env=login)
    assert nothing.code == 0 and nothing.stdout.startswith("st.")  # warned, not blocked: it may be created later
    assert "Warning: Scope dev:/nope/** covers no existing folder" in nothing.stderr
    something = run("service-token", "create", "-s", "dev:/backend/**", "-a", "read", "--token-only", env=login)
    assert something.code == 0 and something.stderr == ""
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 2


def test_make_try_serves_until_interrupted_and_its_exports_work(run: Runner) -> None:
    """``python -m tests.emulator --shell`` (``make try``): export lines that work as pasted, and a server that
    outlives its closed standard input."""
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--shell"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(6)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export")
        )
        assert set(exports) == {"INFISICAL_DOMAIN", "INFISICAL_TOKEN", "INFISICAL_PROJECT_ID"}
        assert exports["INFISICAL_DOMAIN"].startswith("http://127.0.0.1:")
        time.sleep(1)
        assert server.poll() is None  # standard input closed long ago
        listed = run("service-token", "list", env=exports)
        assert listed.code == 0 and "No service tokens" in listed.stdout
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0
