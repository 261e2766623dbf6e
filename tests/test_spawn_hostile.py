"""What subprocess.Popen did for check's git children, core/spawn.py's Child does too (a review found each
missing): a parent that ignores SIGCHLD, descriptors the CLI was handed, a process holding over 1,024 files. Each
test runs the real CLI on a real repository with real git."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLI, Runner

BAD = "infisical service-token create -s dev:backend -a read\n"
needs_git_posix = pytest.mark.skipif(
    shutil.which("git") is None or not hasattr(os, "posix_spawnp"), reason="needs git and os.posix_spawnp"
)


def python_in(run: Runner, *argv: str) -> subprocess.CompletedProcess[str]:
    """This Python, in the runner's folder and environment."""
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=run.env, cwd=run.cwd, timeout=60)


def small_repo(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "a.sh").write_text(BAD)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    (root / "new.sh").write_text(BAD)  # untracked: check reads it after git lists it


@needs_git_posix
def test_check_with_sigchld_ignored_reports_its_findings(run: Runner) -> None:
    small_repo(run.cwd)
    expected = run("check")
    assert expected.code == 1 and "a.sh:1" in expected.stdout and "new.sh:1" in expected.stdout
    # SIGCHLD's ignored disposition survives exec: the CLI starts as it would under such a parent
    launcher = (
        "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
    )
    done = python_in(run, "-c", launcher, CLI, "check")
    assert "ChildProcessError" not in done.stderr, done.stderr
    assert (done.returncode, done.stdout) == (expected.code, expected.stdout)


@needs_git_posix
@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="sh for the stand-in git, and /dev/fd")
def test_git_children_do_not_inherit_the_clis_inherited_descriptors(run: Runner, tmp_path: Path) -> None:
    small_repo(run.cwd)
    real_git = shutil.which("git")
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "fds.log"
    read, write = os.pipe()
    try:
        (shim / "git").write_text(
            f'#!/bin/sh\nif [ -e /dev/fd/{write} ]; then echo held >> {log}; fi\nexec {real_git} "$@"\n'
        )
        (shim / "git").chmod(0o755)
        done = subprocess.run(
            [CLI, "check"],
            capture_output=True,
            text=True,
            env={**run.env, "PATH": f"{shim}:{run.env['PATH']}"},
            cwd=run.cwd,
            timeout=60,
            pass_fds=(write,),  # as a parent that hands the CLI a pipe does
        )
    finally:
        os.close(read)
        os.close(write)
    assert done.returncode == 1 and "a.sh:1" in done.stdout, done.stderr
    assert not log.exists(), f"{log.read_text().count('held')} git child(ren) held the parent's pipe"


IN_PROCESS_WITH_MANY_FILES = """
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # a long-lived kernel or server holds many
from infisical_tokens.core.cli import main
sys.exit(main(["check", "."]))
"""


@needs_git_posix
@pytest.mark.skipif(sys.platform == "win32", reason="resource limits")
def test_in_process_check_in_a_process_holding_many_files(run: Runner) -> None:
    import resource

    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 1200:
        pytest.skip("the hard limit on open files is below 1200")
    small_repo(run.cwd)
    expected = run("check")
    done = python_in(run, "-c", IN_PROCESS_WITH_MANY_FILES)
    assert "ValueError" not in done.stderr, done.stderr
    assert (done.returncode, done.stdout) == (expected.code, expected.stdout)
