"""The main job, with no account: a local Infisical emulator, a CLI-style login, and the four commands.

Runs the installed ``infisical-tokens`` exactly as a person would, in a throwaway HOME whose
``~/.infisical/infisical-config.json`` and file vault look like those ``infisical login`` writes.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.emulator import Emulator, login, seed

CLI = str(Path(sys.executable).parent / "infisical-tokens")
BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


def fake_login(home: Path, api_url: str, email: str, jwt: str) -> None:
    """Write what `infisical login` writes when it uses its file vault."""
    passphrase = "demo-passphrase"
    login.write_config(
        home,
        email,
        api_url,
        vaultBackendType="file",
        vaultBackendPassphrase=base64.b64encode(passphrase.encode()).decode(),
    )
    login.write_file_vault(home, email, jwt, passphrase)


def show(argv: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None, note: str = "") -> str:
    shown = "infisical-tokens " + " ".join(shlex.quote(a) for a in argv)
    if stdin is not None:
        shown = f"echo $TOKEN | {shown}"
    print(f"\n{DIM}# {note}{RESET}" if note else "")
    print(f"{BOLD}$ {shown}{RESET}", flush=True)
    proc = subprocess.run([CLI, *argv], env=env, cwd=cwd, input=stdin or "", capture_output=True, text=True)
    sys.stdout.write(proc.stderr)
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        print(f"{DIM}(exit code {proc.returncode}){RESET}")
    sys.stdout.flush()
    return proc.stdout + proc.stderr


def show_magic(cell: str, env: dict[str, str], cwd: Path, note: str) -> None:
    """The same commands in IPython, as a notebook cell runs them."""
    print(f"\n{DIM}# {note}{RESET}")
    for line in cell.splitlines():
        print(f"{BOLD}In: {line}{RESET}")
    argv = [sys.executable, "-m", "IPython", "--quick", "--no-banner", "--colors=NoColor", "-c", cell]
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    sys.stdout.write(proc.stdout + proc.stderr)
    sys.stdout.flush()


def main() -> int:
    with Emulator("new") as emulator, tempfile.TemporaryDirectory() as tmp:
        world = seed(emulator)
        home, repo = Path(tmp) / "home", Path(tmp) / "repo"
        repo.mkdir()
        fake_login(home, emulator.api_url, world.admin.email, emulator.state.issue_jwt(world.admin))
        (repo / ".infisical.json").write_text(
            json.dumps(
                {"workspaceId": world.project.id, "defaultEnvironment": "", "gitBranchToEnvironmentMapping": None}
            )
        )
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        print(f"Infisical API emulator on {emulator.url} (loopback only; not a real server).")
        print(f"Logged in as {world.admin.email} the way `infisical login` stores it (file vault in {home}).")
        print(
            "Project 'Demo Project': environments dev, staging, prod; dev has /backend/api, /backend/worker, /frontend."
        )

        show(
            ["service-token", "create", "--scope=dev:/backend", "--access-level=read", "--dry-run"],
            env,
            repo,
            note="Check before creating: '/backend' alone would not cover its subfolders",
        )
        show(
            ["service-token", "create", "--scope=dve:/backend/**", "--access-level=read"],
            env,
            repo,
            note="A typo in the environment is caught before anything is sent",
        )
        out = show(
            [
                "service-token",
                "create",
                "--scope=dev:/backend/**",
                "--access-level=read",
                "--access-level=write",
                "--name=ci-backend",
                "--expiry-seconds=3600",
            ],
            env,
            repo,
            note="Create a token for everything under /backend in dev (printed once, as the CLI does)",
        )
        token = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Service Token: "))
        show(["service-token", "list"], env, repo, note="The project's tokens")
        token_id = token.split(".")[1]
        show(["service-token", "view", token_id[:8]], env, repo, note="One token, by (a prefix of) its ID")
        show(
            ["service-token", "view", "-", "--domain", emulator.url],
            {**env, "HOME": tmp},
            repo,
            stdin=token,
            note="Or ask the server about a token you hold, with no login at all",
        )
        show(
            ["service-token", "create", "--scope=prod:/**", "-a", "read,write", "--name=deployer", "-e", "0"],
            env,
            repo,
            note="A forgotten kind of token: write access to all of prod, never expiring",
        )
        show(
            ["service-token", "audit", "--fail-on", "never"],
            env,
            repo,
            note="Audit the project's tokens (in CI: --format github, and exit 1 on an error finding)",
        )
        out = show(
            ["service-token", "rotate", token_id[:8]],
            env,
            repo,
            note="Rotate: a new token with the same name, scopes, access and lifetime; then the old one is deleted",
        )
        new_id = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Service Token: "))
        show(["service-token", "list"], env, repo)
        show(["service-token", "delete", new_id.split(".")[1], "--yes"], env, repo, note="Revoke it")
        show(["service-token", "list"], env, repo)
        (repo / "deploy.sh").write_text(
            "#!/bin/sh\ninfisical service-token create --scope=dev:backend --access-level=reed --token-only\n"
        )
        show(
            ["check", "--online", "."],
            env,
            repo,
            note="In CI or pre-commit: check the command lines and .infisical.json files of a repository",
        )
        show_magic(
            "%load_ext infisical_tokens.magics\n%infisical service-token create -s dev:/frontend -a read -n notebook",
            env,
            repo,
            note="In a notebook: the same commands; the token is masked unless you ask for it",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
