"""Language server and ``check`` figures, each as a ratio to a baseline measured in the same run.

- completion p50/p99 with a warm catalog, against the same server's round trip for a request that does
  no work (``workspace/executeCommand`` of an unknown command);
- completion p99 with a 5,000-folder catalog;
- full diagnostics of a 10,000-line script (didOpen -> publishDiagnostics);
- process start to the ``initialize`` response, against ``python -c "import pygls.lsp.server"``;
- the server's peak memory (VmHWM);
- ``infisical-tokens check .`` over a generated 20,000-file repository (with an ignored node_modules/),
  against ``git grep -l infisical`` on the same tree.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from tests.emulator import Emulator, seed

SERVER = [sys.executable, "-m", "infisical_tokens.lsp"]
CLI = str(Path(sys.executable).parent / "infisical-tokens")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, value: float, base: float, base_label: str, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    ours, theirs = f"{value * scale:9.2f} {unit}", f"{base * scale:9.2f} {unit}"
    print(f"{label:<44} {ours}   {base_label:<34} {theirs}   ratio {value / base:6.2f}x")


async def session(root: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    client = make_test_lsp_client()
    started = time.perf_counter()
    await client.start_io(*SERVER, env=env)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            client_info=types.ClientInfo(name="Visual Studio Code"),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        )
    )
    return client, time.perf_counter() - started


async def noop(client) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with contextlib.suppress(Exception):
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="infisical.none"))
    return time.perf_counter() - start


async def complete(client, uri: str, position: types.Position) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    return time.perf_counter() - start


async def open_and_wait(client, uri: str, text: str) -> float:  # type: ignore[no-untyped-def]
    client.diagnostics.pop(uri, None)
    start = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text)))
    while uri not in client.diagnostics:
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


def peak_memory_mb(client) -> float:  # type: ignore[no-untyped-def]
    pid = client._server.pid
    for entry in Path(f"/proc/{pid}/status").read_text().splitlines():
        if entry.startswith("VmHWM:"):
            return int(entry.split()[1]) / 1024
    return float("nan")


async def lsp_figures(rounds: int) -> None:
    with Emulator("new") as emulator, tempfile.TemporaryDirectory() as tmp:
        world = seed(emulator)
        big = emulator.state.add_project(
            "Big", [("Development", "dev")], {"dev": [f"/svc{i // 100}/part{i % 100}" for i in range(5000)]}
        )
        emulator.state.users[world.admin.id].roles[big.id] = "admin"
        root = Path(tmp)
        for name, project in (("small", world.project), ("big", big)):
            (root / name).mkdir()
            (root / name / ".infisical.json").write_text(f'{{"workspaceId": "{project.id}"}}')
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": tmp,
            "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": emulator.url,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "INFISICAL_LSP_LOG_LEVEL": "CRITICAL",  # the no-work request is an error answer; keep it quiet
        }
        import_times, init_times = [], []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import pygls.lsp.server"], check=True)
            import_times.append(time.perf_counter() - start)
            client, took = await session(root, env)
            init_times.append(took)
            await client.shutdown_session()
        line(
            "start -> initialize response",
            statistics.median(init_times),
            statistics.median(import_times),
            "python -c 'import pygls.lsp.server'",
        )

        client, _ = await session(root, env)
        for project in (world.project, big):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="infisical.server.refreshCatalog", arguments=[{"projectId": project.id}]
                )
            )
        text = "infisical service-token create --scope=dev:/backend/"
        small_uri, big_uri = (root / "small" / "a.sh").as_uri(), (root / "big" / "a.sh").as_uri()
        await open_and_wait(client, small_uri, text)
        await open_and_wait(client, big_uri, "infisical service-token create --scope=dev:/svc7/")
        base, ours, big_times = [], [], []
        for _ in range(rounds):
            base.append(await noop(client))
            ours.append(await complete(client, small_uri, types.Position(0, len(text))))
            big_times.append(await complete(client, big_uri, types.Position(0, 50)))
        line("completion p50 (warm catalog)", pct(ours, 0.5), pct(base, 0.5), "no-work request p50")
        line("completion p99 (warm catalog)", pct(ours, 0.99), pct(base, 0.99), "no-work request p99")
        line("completion p99 (5,000-folder catalog)", pct(big_times, 0.99), pct(base, 0.99), "no-work request p99")

        script = "".join(
            f"infisical service-token create --scope=dev:/backend/{i % 7} -a read\n"
            if i % 10 == 0
            else f"echo line {i}\n"
            for i in range(10_000)
        )
        diag = [await open_and_wait(client, (root / "small" / f"big{i}.sh").as_uri(), script) for i in range(5)]
        line("diagnostics, 10,000-line script", statistics.median(diag), pct(base, 0.5), "no-work request p50")
        print(f"{'server peak memory (VmHWM)':<44} {peak_memory_mb(client):9.1f} MB")
        await client.shutdown_session()


def check_figures(files: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / ".gitignore").write_text("node_modules/\n")
        (root / ".infisical.json").write_text('{"workspaceId": "p"}')
        for i in range(files):
            folder = root / ("node_modules" if i % 10 == 0 else "src") / f"d{i // 200}"
            folder.mkdir(parents=True, exist_ok=True)
            body = f"infisical service-token create -s dev:/svc{i} -a read\n" if i % 50 == 5 else f"echo {i}\n" * 5
            (folder / f"f{i}.sh").write_text(body)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        git = shutil.which("git") or "git"
        ours, base = [], []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([CLI, "check", "."], cwd=root, capture_output=True)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run([git, "grep", "-l", "infisical"], cwd=root, capture_output=True)
            base.append(time.perf_counter() - start)
        line(
            f"infisical-tokens check . ({files:,} files)",
            statistics.median(ours),
            statistics.median(base),
            "git grep -l infisical",
            unit="s",
        )


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    rounds = int(os.environ.get("BENCH_LSP_ROUNDS", "300"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus\n")
    asyncio.run(lsp_figures(rounds))
    check_figures(int(os.environ.get("BENCH_CHECK_FILES", "20000")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
