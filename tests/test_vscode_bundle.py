"""The extension's bundled libraries really run the server: plain python3, no site-packages, only bundled/libs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.conftest import base_env
from tests.lsp_harness import cursor, link

LIBS = Path(__file__).resolve().parent.parent / "vscode-extension" / "bundled" / "libs"


@pytest.mark.asyncio
async def test_bundled_server_completes_a_scope(tmp_path: Path) -> None:
    if not (LIBS / "infisical_tokens" / "lsp" / "server.py").exists():
        pytest.skip("vscode-extension/bundled/libs not built (make test builds it)")
    python = shutil.which("python3")
    assert python is not None
    link(tmp_path, "p", gitBranchToEnvironmentMapping={"main": "staging"})
    home = tmp_path / "home"
    home.mkdir()
    launcher = f"import sys; sys.path.insert(0, {str(LIBS)!r}); from infisical_tokens.lsp.launch import main; main()"
    client = make_test_lsp_client()
    await client.start_io(python, "-S", "-c", launcher, env={**base_env(home), "PYTHONPATH": ""})
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
            initialization_options={"clientHandlesTokens": True},
        )
    )
    text, position = cursor("infisical service-token create --scope=sta|")
    uri = (tmp_path / "deploy.sh").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text)))
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    await client.shutdown_session()
    assert isinstance(result, types.CompletionList)
    assert {item.label for item in result.items} == {"dev", "staging"}  # offline: from .infisical.json
    where = await _module_origin(python, launcher)
    assert where.startswith(str(LIBS))


async def _module_origin(python: str, launcher: str) -> str:
    """Where the bundled run imports pygls from (proves site-packages played no part)."""
    import asyncio

    code = launcher.replace(
        "from infisical_tokens.lsp.launch import main; main()", "import pygls; print(pygls.__file__)"
    )
    proc = await asyncio.create_subprocess_exec(python, "-S", "-c", code, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return out.decode().strip()


def test_bundle_lock_pins_what_the_tests_run_with() -> None:
    """The .vsix's libraries are the tested ones: every runtime dependency is locked, at its installed version."""
    from importlib import metadata

    from scripts.lock_bundled import LOCK, closure

    locked = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, rest = line.partition("==")
            locked[name] = rest.split()[0]
            assert "--hash=sha256:" in rest, line
    needed = closure("infisical-tokens")
    assert set(needed) <= set(locked), f"runtime dependencies missing from {LOCK.name}: {set(needed) - set(locked)}"
    for name, version in needed.items():
        if version is not None:
            assert locked[name] == version, f"{name}: locked {locked[name]}, tests run with {version}"
    assert metadata.version("pygls") == locked["pygls"] and metadata.version("lsprotocol") == locked["lsprotocol"]


def test_one_version() -> None:
    """core/__init__.py is the version's one source: the distribution reads it, the extension must match it."""
    import json
    from importlib import metadata

    from infisical_tokens.core import __version__

    manifest = json.loads((LIBS.parent.parent / "package.json").read_text())
    assert metadata.version("infisical-tokens") == __version__ == manifest["version"]


def test_extension_protocol_types_are_generated_from_the_server() -> None:
    from infisical_tokens.lsp import protocol, serve
    from infisical_tokens.lsp.server import server

    generated = LIBS.parent.parent / "src" / "common" / "protocol.ts"
    assert generated.read_text() == protocol.typescript(), "protocol.ts is out of date; run: make generated"
    registered = set(server.protocol.fm.commands)
    assert serve.HANDLERS and set(protocol.COMMANDS) <= registered


ROOT = LIBS.parent.parent.parent


def test_tidy_leaves_out_the_builders_machine(tmp_path: Path) -> None:
    """What `pip install --target` wrote about the build machine goes; what the extension runs stays, RECORD agrees."""
    import subprocess
    import sys

    libs = tmp_path / "libs"
    info = libs / "infisical_tokens-0.1.0.dist-info"
    (libs / "bin").mkdir(parents=True)
    (libs / "bin" / "infisical-tokens").write_text(f"#!{ROOT}/.venv/bin/python\n")
    info.mkdir()
    (info / "direct_url.json").write_text(f'{{"url": "file://{ROOT}", "dir_info": {{}}}}')
    (info / "METADATA").write_text("Name: infisical-tokens\n")
    (info / "RECORD").write_text(
        "../../bin/infisical-tokens,sha256=x,185\n"
        f"{info.name}/METADATA,sha256=y,22\n"
        f"{info.name}/direct_url.json,sha256=z,46\n"
        f"{info.name}/RECORD,,\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "scripts.tidy_bundle", str(libs)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not (libs / "bin").exists() and not (info / "direct_url.json").exists()
    assert (info / "RECORD").read_text() == f"{info.name}/METADATA,sha256=y,22\n{info.name}/RECORD,,\n"
    assert _files_naming(libs, str(ROOT)) == []


def test_bundle_names_no_path_of_the_build_machine() -> None:
    """The bundled libraries (and so the .vsix) hold no file naming the folder they were built in (bytecode, which
    running the bundle here writes, is left out of the .vsix by .vscodeignore)."""
    if not (LIBS / ".stamp").exists():
        pytest.skip("vscode-extension/bundled/libs not built (make test builds it)")
    assert not (LIBS / "bin").exists()
    assert list(LIBS.glob("*.dist-info/direct_url.json")) == []
    assert _files_naming(LIBS, str(ROOT)) == []


def _files_naming(folder: Path, text: str) -> list[str]:
    needle = text.encode()
    shipped = (p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
    return [str(p.relative_to(folder)) for p in shipped if needle in p.read_bytes()]
