"""core/spawn.py's children answer alike whichever way they were started: ``os.posix_spawnp`` (Linux, macOS) or
``subprocess.Popen`` (Windows, and here on demand), each proven on real processes."""

from __future__ import annotations

import os
import sys
import time

import pytest

from infisical_tokens.core.spawn import Child, TimedOut

WAYS = [pytest.param(False, id="Popen")]
if hasattr(os, "posix_spawnp"):
    WAYS.append(pytest.param(True, id="posix_spawnp"))


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("spawn", WAYS)
def test_the_whole_output_and_the_exit_status(spawn: bool) -> None:
    child = Child(
        python("import sys; sys.stdout.write('a\\0b\\0' * 50000); sys.stderr.write('noise'); sys.exit(1)"), spawn=spawn
    )
    assert child.read_all(timeout=60) == b"a\0b\0" * 50000  # standard error is not mixed in
    assert child.returncode == 1


@pytest.mark.parametrize("spawn", WAYS)
def test_output_as_it_is_written(spawn: bool) -> None:
    child = Child(python("import sys, time; print('first', flush=True); time.sleep(1); print('second')"), spawn=spawn)
    chunks = child.chunks()
    started = time.monotonic()
    assert next(chunks).strip() == b"first"
    assert time.monotonic() - started < 1  # read before the child went on
    assert b"".join(chunks).strip() == b"second"
    assert child.wait() == 0 and child.poll() == 0


@pytest.mark.parametrize("spawn", WAYS)
def test_a_child_that_does_not_answer_in_time_is_said_and_stopped(spawn: bool) -> None:
    child = Child(python("import time; time.sleep(60)"), spawn=spawn)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        child.read_all(timeout=0.3)
    child.stop()
    assert time.monotonic() - started < 30
    assert child.returncode is not None and child.returncode != 0


@pytest.mark.parametrize("spawn", WAYS)
def test_stopping_a_child_mid_answer_ends_and_reaps_it(spawn: bool) -> None:
    child = Child(python("import sys\nwhile True: sys.stdout.write('y' * 65536)"), spawn=spawn)
    assert next(child.chunks())
    child.stop()
    assert child.returncode is not None and child.poll() == child.returncode
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped: no zombie left behind


def test_a_spawned_child_dies_of_a_closed_pipe_as_it_would_from_a_shell() -> None:
    """Python ignores SIGPIPE and a child would inherit that: git, its reader gone, would go on searching."""
    if not hasattr(os, "posix_spawnp"):
        pytest.skip("posix_spawnp is what restores SIGPIPE; Popen does it itself")
    child = Child(["yes"], spawn=True)  # ignoring SIGPIPE, it would stop on the write error instead (exit 1)
    assert next(child.chunks())
    os.close(child.output)
    child.output = -1
    assert child.wait() == -13  # SIGPIPE


@pytest.mark.parametrize("spawn", WAYS)
def test_a_program_that_is_not_there_is_an_oserror(spawn: bool) -> None:
    with pytest.raises(OSError):
        Child(["no-such-program-infisical-tokens"], spawn=spawn)
