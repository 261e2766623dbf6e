"""Progress on a terminal: what a command waits for and what it retries, on stderr only when stderr is a
terminal (a pseudo-terminal here), never in piped output or in stdout's JSON."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest

from tests.conftest import CLI, Runner, needs_pty
from tests.emulator import Emulator

if sys.platform != "win32":  # pseudo-terminals are POSIX only
    import pty

pytestmark = needs_pty  # every test here gives the command a pseudo-terminal


def _with_terminal_stderr(run: Runner, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the CLI with stdout a pipe and stderr a pseudo-terminal: (exit code, stdout, what the terminal got).

    The terminal stays open until the process has ended and everything it wrote was read (a pseudo-terminal
    whose every writer closed drops what was not read yet)."""
    main, side = pty.openpty()
    try:
        proc = subprocess.run(
            [CLI, *args],
            stdout=subprocess.PIPE,
            stderr=side,
            stdin=subprocess.DEVNULL,
            env={**run.env, **env},
            cwd=run.cwd,
            timeout=60,
        )
        seen = b""
        while select.select([main], [], [], 0.2)[0]:
            seen += os.read(main, 65536)
    finally:
        os.close(side)
        os.close(main)
    return proc.returncode, proc.stdout.decode(), seen.decode(errors="replace")


def test_a_slow_server_is_named_on_a_terminal_and_nowhere_else(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    emulator.add_fault("latency", delay=2.5, method="GET", times=1)
    code, stdout, terminal = _with_terminal_stderr(run, login, "service-token", "list", "--json")
    assert code == 0 and json.loads(stdout) == []
    assert f"Waiting for {emulator.url}/api/" in terminal and terminal.count("Waiting") == 1
    emulator.add_fault("latency", delay=2.5, method="GET", times=1)
    piped = run("service-token", "list", "--json", env=login)
    assert piped.code == 0 and piped.stderr == "" and json.loads(piped.stdout) == []


def test_retries_are_said_on_a_terminal_only(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    emulator.add_fault("status", status=503, method="GET", times=2)
    code, stdout, terminal = _with_terminal_stderr(run, login, "service-token", "list")
    assert code == 0 and "No service tokens" in stdout
    assert terminal.count("answered 503; retrying GET") == 2 and "(retry 2 of 3)" in terminal
    emulator.add_fault("status", status=503, method="GET", times=2)
    piped = run("service-token", "list", env=login)
    assert piped.code == 0 and "retrying" not in piped.output


def test_a_quick_answer_says_nothing_even_on_a_terminal(run: Runner, login: dict[str, str]) -> None:
    code, _stdout, terminal = _with_terminal_stderr(run, login, "service-token", "list")
    assert code == 0 and terminal == ""


@pytest.mark.parametrize("in_git", [False, True], ids=["walked", "listed by git"])
def test_a_large_check_says_how_many_files_it_reads_on_a_terminal_only(run: Runner, in_git: bool) -> None:
    for i in range(1200):  # a tree large enough to be told about (core.check.MANY_FILES)
        (run.cwd / f"s{i}.sh").write_text("echo hello\n")
    if in_git:
        subprocess.run(["git", "init", "-q", str(run.cwd)], check=True)
        subprocess.run(["git", "-C", str(run.cwd), "add", "-A"], check=True)
    code, stdout, terminal = _with_terminal_stderr(run, {}, "check", ".", "--json")
    assert code == 0 and json.loads(stdout) == [], stdout
    assert "Checking 1200 files…" in terminal
    piped = run("check", ".", "--json")
    assert piped.code == 0 and "Checking" not in piped.output
    for i in range(1000):  # a small tree is read without a word, even on a terminal
        (run.cwd / f"s{i}.sh").unlink()
    if in_git:
        subprocess.run(["git", "-C", str(run.cwd), "add", "-A"], check=True)
    code, _stdout, terminal = _with_terminal_stderr(run, {}, "check", ".")
    assert code == 0 and "Checking" not in terminal
