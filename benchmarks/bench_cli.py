"""Start-up and request latency of the command line, as ratios to baselines measured in the same run.

- start-up: ``infisical-tokens --help`` against ``python -c pass`` (process start-up is the floor);
- create and list: the core client against a bare ``requests`` call to the same emulator endpoint;
- a whole ``service-token create`` (process, project check, POST) against ``python -c pass``;
- what an offline ``check`` pays in imports: importing every module the real ``check .`` loaded in a small
  repository, against ``python -c pass`` (the floor git's own speed is measured against, in ``bench_lsp.py``).

Runs are interleaved (A, B, A, B, ...) so drift on a shared machine hits both sides alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infisical_tokens.core.api import InfisicalClient
from tests.emulator import Emulator, seed

CLI = str(Path(sys.executable).parent / "infisical-tokens")
LSP = str(Path(sys.executable).parent / "infisical-lsp")


def interleaved(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(rounds):
        for fn, bucket in ((a, times_a), (b, times_b)):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return times_a, times_b


def report(label: str, ours: list[float], base: list[float], base_label: str) -> None:
    """Medians, their ratio, and its spread: the ratio of medians in each third of the (interleaved) rounds."""
    mo, mb = statistics.median(ours), statistics.median(base)
    third = max(1, len(ours) // 3)
    parts = [
        statistics.median(ours[i : i + third]) / statistics.median(base[i : i + third])
        for i in range(0, third * 3 if len(ours) >= 3 else len(ours), third)
    ]
    print(
        f"{label:<40} {mo * 1000:8.2f} ms   {base_label:<28} {mb * 1000:8.2f} ms   ratio {mo / mb:5.2f}x "
        f"[{min(parts):.2f}-{max(parts):.2f}]"
    )


def main() -> int:
    rounds_proc = int(os.environ.get("BENCH_PROCESS_ROUNDS", "15"))
    rounds_http = int(os.environ.get("BENCH_HTTP_ROUNDS", "200"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; medians of interleaved runs\n")

    def run(*argv: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout

    compiled()

    helped = run(CLI, "--help")
    assert helped.startswith("infisical-tokens: create and manage") and "service-token create" in helped, helped
    ours, base = interleaved(lambda: run(CLI, "--help"), lambda: run(sys.executable, "-c", "pass"), rounds_proc)
    report("infisical-tokens --help", ours, base, "python -c pass")
    versioned = run(LSP, "--version")
    assert versioned.startswith("infisical-lsp "), versioned  # the language server's launcher, not pygls started
    ours, base = interleaved(lambda: run(LSP, "--version"), lambda: run(CLI, "--help"), rounds_proc)
    report("infisical-lsp --version", ours, base, "infisical-tokens --help")

    check_imports(rounds_proc)

    with Emulator("new") as emulator, tempfile.TemporaryDirectory() as home:
        world = seed(emulator)
        jwt = emulator.state.issue_jwt(world.admin)
        body = {
            "name": "bench",
            "workspaceId": world.project.id,
            "scopes": [{"environment": "dev", "secretPath": "/backend/**"}],
            "expiresIn": 3600,
            "encryptedKey": "",
            "iv": "",
            "tag": "",
            "randomBytes": "0" * 32,
            "permissions": ["read"],
        }
        bare = requests.Session()
        headers = {"Authorization": f"Bearer {jwt}", "Accept": "application/json"}
        client = InfisicalClient(emulator.api_url, jwt)

        ours, base = interleaved(
            lambda: client.create_service_token(body),
            lambda: bare.post(emulator.api_url + "/v2/service-token/", json=body, headers=headers).json(),
            rounds_http,
        )
        report("client.create_service_token", ours, base, "requests POST (same body)")

        list_url = f"{emulator.api_url}/v1/projects/{world.project.id}/service-token-data"
        client.list_service_tokens(world.project.id)  # learn the route once, as a real session would
        ours, base = interleaved(
            lambda: client.list_service_tokens(world.project.id),
            lambda: bare.get(list_url, headers=headers).json(),
            rounds_http // 4,
        )
        report(
            f"client.list_service_tokens ({len(emulator.state.tokens)} tokens)", ours, base, "requests GET (same route)"
        )

        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "INFISICAL_TOKEN": jwt,
            "INFISICAL_DOMAIN": emulator.url,
            "INFISICAL_PROJECT_ID": world.project.id,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        ours, base = interleaved(
            lambda: run(CLI, "service-token", "create", "-s", "dev:/backend/**", "-a", "read", "--token-only", env=env),
            lambda: run(sys.executable, "-c", "pass"),
            rounds_proc,
        )
        report("infisical-tokens service-token create", ours, base, "python -c pass")
        client.close()
        bare.close()

    load_ext = (
        "import time, IPython; ip = IPython.core.interactiveshell.InteractiveShell.instance(); "
        "t = time.perf_counter(); ip.run_line_magic('load_ext', 'infisical_tokens.magics'); "
        "print(time.perf_counter() - t)"
    )
    import_ipython = "import time; t = time.perf_counter(); import IPython; print(time.perf_counter() - t)"
    ours_s: list[float] = []
    base_s: list[float] = []
    for _ in range(rounds_proc):
        for code, bucket in ((load_ext, ours_s), (import_ipython, base_s)):
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
            bucket.append(float(out.strip().splitlines()[-1]))
    report("%load_ext infisical_tokens.magics", ours_s, base_s, "import IPython")
    return 0


LOADED = "import atexit, json, sys\natexit.register(lambda: print(json.dumps(list(sys.modules)), file=sys.stderr))\n"


def loaded_by(code: str, cwd: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``code`` in a fresh interpreter; its result, and every module loaded by its end, in the order loaded."""
    done = subprocess.run([sys.executable, "-c", LOADED + code], cwd=cwd, capture_output=True, text=True)
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def compiled() -> None:
    """The package's byte code written, as an installed package has it: with ``PYTHONDONTWRITEBYTECODE`` set (as the
    Makefile's environment may have it), every timed start would otherwise compile what it imports."""
    import compileall

    import infisical_tokens.core
    import infisical_tokens.lsp

    for folder in (*infisical_tokens.core.__path__, *infisical_tokens.lsp.__path__):
        compileall.compile_dir(folder, quiet=1)


def check_imports(rounds: int) -> None:
    """The modules the real ``check .`` imports (offline, a small repository), imported alone and timed, from their
    byte code as an installed package has it (``PYTHONDONTWRITEBYTECODE`` would otherwise time the compiler)."""
    with tempfile.TemporaryDirectory() as repo:
        Path(repo, "ci.sh").write_text("infisical service-token create --scope=dev:/backend -a read --projectId=p1\n")
        Path(repo, ".infisical.json").write_text('{"workspaceId": "p1", "defaultEnvironment": "dev"}\n')
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        subprocess.run(["git", "add", "."], cwd=repo, check=True)
        done, loaded = loaded_by("from infisical_tokens.core.cli import main\nsys.exit(main(['check', '.']))", repo)
        assert done.returncode == 0 and "scope-exact-folder" in done.stdout, done
        assert "1 problem(s) (0 error(s)) in 2 file(s) checked." in done.stderr, done.stderr
        ours = [name for name in loaded if name.startswith("infisical_tokens.core")]
        assert {"infisical_tokens.core.editor.commands", "infisical_tokens.core.editor.project_json"} <= set(ours)
        code = "import " + ", ".join(ours)
        again, alone = loaded_by(code, repo)
        # what the check imports as it runs rather than with its modules (select, when it waits for git), too
        code += "".join(f", {name}" for name in sorted(set(loaded) - set(alone) - {"__main__"}))
        again, alone = loaded_by(code, repo)
        assert again.returncode == 0 and set(alone) >= set(loaded) - {"__main__"}, set(loaded) - set(alone)
        timed, base = interleaved(
            lambda: run_quiet(sys.executable, "-c", code, cwd=repo),
            lambda: run_quiet(sys.executable, "-c", "pass"),
            rounds,
        )
        extra = (statistics.median(timed) - statistics.median(base)) * 1000
        report(f"check's imports ({len(ours)} modules, +{extra:.0f} ms)", timed, base, "python -c pass")


def run_quiet(*argv: str, cwd: str | None = None) -> None:
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd)


if __name__ == "__main__":
    sys.exit(main())
