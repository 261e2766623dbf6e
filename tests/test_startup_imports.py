"""Start-up cost that must not creep back: what ``--help`` and the language server (up to answering initialize)
import, read from ``sys.modules`` in a fresh interpreter. The benchmarks measure the time (``bench_cli.py``'s
--help row, ``bench_lsp.py``'s start-up row); these say which imports the time was won by leaving out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infisical_tokens.core import cli, command, help_text, render
from tests.conftest import base_env

# what parsing a create (scope, its globs, the models), the clock's calendar or a typo's suggestion needs
PARSING = {
    "infisical_tokens.core.scope",
    "infisical_tokens.core.glob",
    "infisical_tokens.core.picomatch",
    "infisical_tokens.core.jsregex",
    "infisical_tokens.core.models",
    "infisical_tokens.core.reach",
    "difflib",
    "datetime",
}
# what a command that reaches a server needs
RUNNING = {
    "infisical_tokens.core.workflows",
    "infisical_tokens.core.api",
    "infisical_tokens.core.identities",
    "infisical_tokens.core.migrate",
    "infisical_tokens.core.catalog",
    "requests",
    "urllib3",
}


def modules_after(code: str, home: Path) -> tuple[str, set[str]]:
    """Run ``code`` in a fresh interpreter; what it printed, and every module loaded by its end."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=base_env(home), timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_top_help_imports_nothing_but_the_command_line_module(tmp_path: Path) -> None:
    """``--help`` prints generated text: not even the command model (its dataclasses) is imported."""
    out, loaded = modules_after("from infisical_tokens.core.cli import main\nmain(['--help'])", tmp_path)
    assert out == render.top_help()
    ours = {name for name in loaded if name.startswith("infisical_tokens.")}
    assert ours == {"infisical_tokens.core", "infisical_tokens.core.cli", "infisical_tokens.core.help_text"}, ours
    assert "dataclasses" not in loaded and not loaded & (PARSING | RUNNING)


def test_the_generated_help_is_the_command_models() -> None:
    assert render.top_help() == help_text.TOP_HELP, "core/help_text.py is out of date; run: make generated"
    flags = {flag.name: flag.kind != "bool" for flag in (*command.CHECK.flags, *command.GLOBAL_FLAGS)}
    assert flags == help_text.CHECK_FLAGS, "core/help_text.py is out of date; run: make generated"


def test_a_command_help_imports_no_parser_of_values_and_no_client(tmp_path: Path) -> None:
    code = "from infisical_tokens.core.cli import main\nmain(['service-token', 'create', '--help'])"
    out, loaded = modules_after(code, tmp_path)
    assert out.startswith("Used to create service tokens\n\nUsage:\n  infisical-tokens service-token create [flags]")
    assert "infisical_tokens.core.render" in loaded  # it did parse and render
    assert not loaded & (PARSING | RUNNING), sorted(loaded & (PARSING | RUNNING))


def test_a_create_still_imports_what_it_needs(tmp_path: Path) -> None:
    """The other side of the bargain: the parser finds its values' modules when it needs them."""
    code = (
        "from infisical_tokens.core import command\n"
        "parsed, problems = command.check(['service-token', 'create', '--scope=dev:backend', '-a', 'reed'])\n"
        "print(sorted(p.code for p in problems))"
    )
    out, loaded = modules_after(code, tmp_path)
    assert "scope-no-leading-slash" in out and "bad-access-level" in out
    assert {"infisical_tokens.core.scope", "infisical_tokens.core.glob", "difflib"} <= loaded


def test_language_server_answers_initialize_without_the_client_or_the_engine(tmp_path: Path) -> None:
    """The real entry point on stdio, given initialize and then the end of its input: it answers, and by then
    (no ``initialized`` yet, which is where the engine and the catalog start) has not imported them."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}}
    )
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
        "from infisical_tokens.lsp.launch import main\n"
        "main([])"
    )
    env = {**base_env(tmp_path), "INFISICAL_LSP_LOG_LEVEL": "CRITICAL"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=f"Content-Length: {len(body)}\r\n\r\n{body}",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    answer = json.loads(done.stdout[done.stdout.index("{") :])
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "infisical-lsp", done.stdout
    assert answer["result"]["capabilities"]["completionProvider"]  # every handler was registered
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "infisical_tokens.lsp.token_commands" in loaded and "infisical_tokens.lsp.migrate_command" in loaded
    unwanted = RUNNING | PARSING | {"infisical_tokens.core.editor", "infisical_tokens.core.snippets"}
    unwanted |= {"infisical_tokens.lsp.tcp_auth", "secrets", "hmac"}  # only --tcp checks a client's secret
    assert not loaded & unwanted, sorted(loaded & unwanted)


# what only the commands that reach a server, or other commands, import: an offline check must never load them
ELSEWHERE = {
    *(f"infisical_tokens.core.{name}" for name in ("session", "folders", "cachefile", "audit", "migration", "shell")),
    "infisical_tokens.core.outcomes",  # the other commands' outcomes: a check's is check_report's
    *("infisical_tokens.core.token_lookup", "hashlib", "secrets", "tempfile", "http.client", "ssl"),
}


def checked_in_a_repository(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The real entry point (``infisical-tokens check``) in a small git repository, and every module it loaded."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ci.sh").write_text("infisical service-token create --scope=dev:/backend -a read --projectId=p1\n")
    (repo / ".infisical.json").write_text('{"workspaceId": "p1", "defaultEnvironment": "dev"}\n')
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=base_env(tmp_path))
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=base_env(tmp_path))
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
        "from infisical_tokens.core.cli import main\n"
        f"sys.exit(main({['check', *args]!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, env=base_env(tmp_path), timeout=120
    )
    return done, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_an_offline_check_imports_no_client_and_no_other_commands_workflow(tmp_path: Path) -> None:
    """What ``check .`` pays before git answers is its own imports (``bench_cli.py``'s check row measures them):
    the HTTP client, the login, the folder walk and the other commands' workflows are not among them."""
    done, loaded = checked_in_a_repository(tmp_path, ".")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ci.sh:1:44: warning scope-exact-folder"), done.stdout
    assert "1 problem(s) (0 error(s)) in 2 file(s) checked." in done.stderr
    assert {"infisical_tokens.core.check", "infisical_tokens.core.editor.project_json"} <= loaded  # it did check
    unwanted = (RUNNING | ELSEWHERE) - {"infisical_tokens.core.workflows"}  # the table, not the workflows it names
    assert not loaded & unwanted, sorted(loaded & unwanted)
    assert not loaded & {"dataclasses", "inspect", "threading"}, sorted(loaded)  # core/record.py, snapshot's lock
    if hasattr(os, "posix_spawnp"):
        assert "subprocess" not in loaded, sorted(loaded)  # core/spawn.py


def test_an_online_check_still_imports_the_login(tmp_path: Path) -> None:
    """The other side: the list above is seen when loaded (``--online`` reads the credentials, and says there are
    none here)."""
    done, loaded = checked_in_a_repository(tmp_path, ".", "--online")
    assert "infisical login" in done.stderr or "INFISICAL_TOKEN" in done.stderr, done.stderr
    assert "infisical_tokens.core.session" in loaded


def test_a_check_starts_git_before_it_loads_the_engine(tmp_path: Path) -> None:
    """git lists and searches the tree while the rest of ``check`` loads: the first git process is started (seen by
    an audit hook, which only watches) before the command model, the workflows, the renderer and the analysis engine
    are imported."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ci.sh").write_text("infisical service-token create --scope=dev:/backend -a read --projectId=p1\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=base_env(tmp_path))
    code = (  # what the interpreter loaded for itself (an editable install's finder: pathlib, re) is not ours
        "import sys\n"
        "before = set(sys.modules)\n"
        "seen = []\n"
        "def hook(event, args):\n"
        "    if event in ('subprocess.Popen', 'os.posix_spawn') and not seen:\n"
        "        seen.append(sorted(set(sys.modules) - before))\n"
        "sys.addaudithook(hook)\n"
        "from infisical_tokens.core.cli import main\n"
        "code = main(['check', '.'])\n"
        "import json\n"
        "print(json.dumps(seen[0]), file=sys.stderr)\n"
        "sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, env=base_env(tmp_path), timeout=120
    )
    assert done.returncode == 0 and "1 problem(s) (0 error(s)) in 1 file(s) checked." in done.stderr, done.stderr
    at_git = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "infisical_tokens.core.git_start" in at_git  # what started it
    later = {"command", "workflows", "render", "file_check", "editor", "editor.document", "snippets", "lexer"}
    assert not at_git & {f"infisical_tokens.core.{name}" for name in later}, sorted(at_git)
    # nor typing, pathlib, re or subprocess (whose import costs what reading 400 files does): started by
    # core/git_start.py with posix_spawnp, about 15 ms sooner than after them
    if hasattr(os, "posix_spawnp"):
        assert not at_git & {"typing", "pathlib", "re", "subprocess"}, sorted(at_git)


ANSWERED = [
    ["check"],
    ["check", "."],
    ["check", "src", "docs/x.md"],
    ["check", "--online", "--format", "github", "src"],
    ["check", "--format=json", "--projectId", "p1", "."],
    ["check", "--domain", "http://localhost:1", "--silent", "a", "--", "--b", "-"],
    ["check", "--json", "-", "src"],
    ["check", "--log-level", "debug", "x"],
]
# left to the parser: not a check, help, a shorthand or unknown flag, a value missing
DECLINED = [["service-token", "list"], ["check", "-h"], ["check", "--help"], ["check", "--nope", "src"]]
DECLINED += [["check", "-f", "json"], ["check", "--projectId"]]


@pytest.mark.parametrize("argv", ANSWERED + DECLINED, ids=" ".join)
def test_the_folders_read_before_the_parser_are_the_parsers(argv: list[str]) -> None:
    """``check`` starts git on its folders before the command model is imported; where that early reading answers,
    it names exactly the folders the parser does (else the check starts git itself, later)."""
    early = cli.check_folders(argv)
    assert (early is None) == (argv in DECLINED), argv
    parsed = command.parse(argv)
    if early is not None:
        assert parsed.subcommand is command.CHECK and not parsed.help and not parsed.problems, argv
        assert early == ([text for _, text in parsed.positionals] or ["."]), argv
