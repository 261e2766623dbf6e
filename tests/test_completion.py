"""Shell completion in the real shells: bash (its completion function, and typed at a terminal), zsh at a
terminal, fish through its own ``complete -C``; answers from the emulator's project, or from the cache."""

from __future__ import annotations

import os
import select
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from infisical_tokens.core.command import SUBCOMMANDS
from tests.conftest import Runner, link_project, needs_pty
from tests.emulator import Emulator, Seeded

if sys.platform != "win32":  # pseudo-terminals are POSIX only (needs_pty)
    import pty

BIN = str(Path(sys.executable).parent)


def _need(shell: str) -> str:
    """The shell's path; Linux CI must have it (``make test`` installs it), elsewhere its tests are skipped."""
    found = shutil.which(shell)
    if found is None:
        if os.environ.get("CI") and sys.platform == "linux":
            pytest.fail(f"{shell} is not installed, and CI must test its completion (make test installs it)")
        pytest.skip(f"{shell} is not installed (apt-get install {shell}); its completion is not tested here")
    return found


@pytest.fixture
def shell_env(run: Runner, new_emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    """A shell environment logged in to the emulator, the project linked, ``infisical-tokens`` on PATH."""
    from tests.emulator import seed

    world: Seeded = seed(new_emulator)
    link_project(run.cwd, world.project.id)
    return {
        **run.env,
        "PATH": f"{BIN}:{run.env['PATH']}",
        "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": new_emulator.url,
        "TERM": "dumb",
    }


def _script(run: Runner, shell: str) -> Path:
    result = run("completion", shell)
    assert result.code == 0 and result.stderr == ""
    path = run.home / f"completion.{shell}"
    path.write_text(result.stdout)
    return path


def _bash_reply(script: Path, env: dict[str, str], cwd: Path, line: str) -> list[str]:
    """COMPREPLY of the function bash itself registered, for ``line`` with the cursor at its end (bash's
    own word splitting: ``:`` and ``=`` break words)."""
    probe = (
        f"source {script}\n"
        "spec=$(complete -p infisical-tokens); fn=${spec#*-F }; fn=${fn%% *}\n"
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
        'read -ra COMP_WORDS <<< "$COMP_LINE"; COMP_CWORD=${#COMP_WORDS[@]}\n'
        '[[ $COMP_LINE == *" " ]] || COMP_CWORD=$((COMP_CWORD - 1))\n'
        '"$fn" 2>/dev/null; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = subprocess.run(["bash", "-c", probe], env=env, cwd=cwd, capture_output=True, text=True, timeout=30)
    return [line for line in out.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("infisical-tokens ", ["check", "completion", "service-token"]),
        ("infisical-tokens service-token cr", ["create"]),
        ("infisical-tokens service-token create --acc", ["--access-level="]),
        ("infisical-tokens service-token create --access-level=", ["read", "write"]),
        ("infisical-tokens service-token create -s ", ["dev:", "prod:", "staging:"]),
        ("infisical-tokens service-token create --scope=st", ["staging:"]),
        (
            "infisical-tokens service-token create --scope=dev:/backend/",
            [
                "/backend/**",
                "/backend/api/",
                "/backend/api/**",
                "/backend/api",
                "/backend/worker/",
                "/backend/worker/**",
                "/backend/worker",
            ],
        ),
        ("infisical-tokens check --format=", ["github", "json", "text"]),
        ("infisical-tokens completion ", ["bash", "fish", "zsh"]),
        ("infisical-tokens service-token audit --fail-on ", ["error", "info", "never", "warning"]),
    ],
)
def test_bash_completes_commands_flags_slugs_and_folders(
    run: Runner, shell_env: dict[str, str], line: str, expected: list[str]
) -> None:
    _need("bash")
    assert sorted(_bash_reply(_script(run, "bash"), shell_env, run.cwd, line)) == sorted(expected)


def test_bash_registers_the_function_for_the_program(run: Runner) -> None:
    _need("bash")
    out = subprocess.run(
        ["bash", "-c", f"source {_script(run, 'bash')}; complete -p infisical-tokens"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "complete -F _infisical_tokens infisical-tokens"


def test_fish_completes_slugs_and_folders(run: Runner, shell_env: dict[str, str]) -> None:
    _need("fish")
    script = _script(run, "fish")

    def complete(line: str) -> list[str]:
        out = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C {shlex.quote(line)}"],
            env=shell_env,
            cwd=run.cwd,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return [row.split("\t")[0] for row in out.stdout.splitlines()]

    assert complete("infisical-tokens service-token ") == sorted(SUBCOMMANDS)  # fish sorts what it offers
    assert complete("infisical-tokens service-token create -s st") == ["staging:"]
    assert "dev:/backend/worker/**" in complete("infisical-tokens service-token create -s dev:/backend/w")
    assert "--expiry-seconds=" in complete("infisical-tokens service-token create --exp")


def _type_at_terminal(
    argv: list[str], env: dict[str, str], cwd: Path, setup: str, keys: list[tuple[str, str]], done: Callable[[], bool]
) -> None:
    """Run an interactive shell on a pseudo-terminal; send ``setup``, then each key sequence, waiting until
    the terminal shows the text expected after it (the completion has arrived); then until ``done()``."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the shell itself
        os.chdir(cwd)
        os.execvpe(argv[0], argv, env)
    seen = b""

    def wait_for(text: str, timeout: float = 20.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text.encode() not in seen and time.monotonic() < deadline:
            ready, _w, _x = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        assert text.encode() in seen, f"never saw {text!r} in {seen.decode(errors='replace')[-800:]!r}"

    try:
        os.write(fd, setup.encode())
        wait_for("READY")
        for typed, shown in keys:
            seen = b""
            os.write(fd, typed.encode())
            wait_for(shown)
        deadline = time.monotonic() + 20
        while not done() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.write(fd, b"\x03exit\n")
        time.sleep(0.2)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


# typed with TAB; each completion is awaited before the next keys; the line is then printed to a file
KEYS = [
    ("infisical-tokens service-token cre\t", "ate"),
    ("--acc\t", "ess-level="),
    ("re\t", "ad"),
    (" --scope=st\t", "aging:"),
    ("/b\t", "ackend"),
]


@needs_pty
@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_typed_at_a_terminal(run: Runner, shell_env: dict[str, str], shell: str) -> None:
    path = _need(shell)
    script = _script(run, shell)
    out = run.home / "line.txt"
    if shell == "bash":
        argv = [path, "--norc", "--noprofile", "-i"]
        setup = f"source {script}; echo REA''DY\n"
    else:
        argv = [path, "-f", "-i"]
        setup = f"autoload -Uz compinit && compinit -u -D && source {script}; echo REA''DY\n"
    keys = [*KEYS, ("\x01printf '%s\\n' \x05 >" + str(out) + "\n", "printf")]
    words = ["infisical-tokens", "service-token", "create", "--access-level=read", "--scope=staging:/backend"]
    env = {**shell_env, "PS1": "$ ", "PROMPT": "$ "}
    _type_at_terminal(argv, env, run.cwd, setup, keys, lambda: out.exists() and out.read_text().count("\n") == 5)
    assert out.read_text().splitlines() == words


def test_completion_answers_from_the_cache_when_the_server_is_slow(
    run: Runner, shell_env: dict[str, str], new_emulator: Emulator
) -> None:
    """Once the folders were read, a server that takes 5 s does not hold the shell: the answer comes from the
    per-user cache within the completion's budget."""
    _need("bash")
    script = _script(run, "bash")
    line = "infisical-tokens service-token create --scope=dev:/backend/"
    assert "/backend/worker/" in _bash_reply(script, shell_env, run.cwd, line)  # reads and caches the folders
    new_emulator.add_fault("latency", delay=5.0, times=100)
    started = time.monotonic()
    reply = _bash_reply(script, shell_env, run.cwd, line)
    assert time.monotonic() - started < 4.0
    assert "/backend/worker/" in reply and "/backend/api/**" in reply
    assert _bash_reply(script, shell_env, run.cwd, "infisical-tokens service-token create -s ") == [
        "dev:",
        "prod:",
        "staging:",
    ]


def test_the_completion_command_refuses_an_unknown_shell(run: Runner) -> None:
    result = run("completion", "tcsh")
    assert result.code == 1 and result.stdout == ""
    assert "bash, zsh, fish" in result.stderr
