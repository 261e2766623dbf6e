"""``infisical-tokens check`` over real trees: .gitignore handling, output formats, exit codes, --online."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infisical_tokens.core.ignore import GitIgnore
from tests.conftest import Runner, link_project
from tests.emulator import Emulator, seed
from tests.emulator.state import Mode


def make_tree(root: Path, project_id: str = "p") -> None:
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("node_modules/\n*.log\nbuild/\n!build/keep.sh\n")
    link_project(root, project_id)
    (root / "scripts").mkdir()
    (root / "scripts" / "deploy.sh").write_text("#!/bin/sh\ninfisical service-token create -s dev:backend -a read\n")
    (root / "scripts" / ".gitignore").write_text("generated.sh\n")
    (root / "scripts" / "generated.sh").write_text("infisical service-token create -s dev: -a read\n")
    (root / "node_modules" / "pkg").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "x.sh").write_text("infisical service-token create -s dev: -a read\n")
    (root / "docs").mkdir()
    (root / "docs" / "README.md").write_text("Use `infisical service-token create -s dev:/backend -a read`.\n")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "jobs:\n  t:\n    steps:\n      - run: infisical service-token create -s prod:/ -a raed\n"
    )
    (root / "clean.sh").write_text("infisical service-token create -s dev:/backend/** -a read\n")


def test_text_report_and_exit_code(run: Runner) -> None:
    make_tree(run.cwd)
    result = run("check")
    assert result.code == 1
    assert result.stdout.splitlines() == [
        ".github/workflows/ci.yml:4:58: error bad-access-level --access-level can only be of values read and write. "
        "Got 'raed'. Did you mean 'read'?",
        "docs/README.md:1:44: warning scope-exact-folder '/backend' covers only the folder /backend itself, not its "
        "subfolders. Use /backend/** to include everything below it.",
        "scripts/deploy.sh:2:39: error scope-no-leading-slash Path 'backend' does not start with '/'. Its only scope "
        "is not a glob, so the token is pinned: every read gets an empty list (no secrets) on a 2024 server, every "
        "read gets the secrets of /backend in 'dev' (whatever it asks for) on a 2026 server. Folder paths are "
        "absolute: /backend.",
    ]
    assert "3 problem(s) (2 error(s))" in result.stderr
    assert "node_modules" not in result.stdout and "generated.sh" not in result.stdout


def test_warnings_alone_pass_and_explicit_files_are_checked(run: Runner) -> None:
    make_tree(run.cwd)
    assert run("check", "docs", "clean.sh").code == 0
    ignored_but_named = run("check", "scripts/generated.sh")
    assert ignored_but_named.code == 1 and "scope-empty-path" in ignored_but_named.stdout


def test_json_and_github_formats(run: Runner) -> None:
    make_tree(run.cwd)
    data = json.loads(run("check", "--format", "json", "scripts").stdout)
    assert data == [
        {
            "path": "scripts/deploy.sh",
            "line": 2,
            "column": 39,
            "endLine": 2,
            "endColumn": 46,
            "severity": "error",
            "code": "scope-no-leading-slash",
            "message": "Path 'backend' does not start with '/'. Its only scope is not a glob, so the token is pinned: "
            "every read gets an empty list (no secrets) on a 2024 server, every read gets the secrets of /backend in "
            "'dev' (whatever it asks for) on a 2026 server.",
            "hint": "Folder paths are absolute: /backend.",
        }
    ]
    github = run("check", "--format", "github", "scripts").stdout.strip()
    assert re.fullmatch(
        r"::error file=scripts/deploy\.sh,line=2,col=39,endLine=2,endColumn=46,"
        r"title=infisical scope-no-leading-slash::Path 'backend' does not start .*",
        github,
    )


def test_online_adds_catalog_checks(run: Runner) -> None:
    with Emulator("old") as emulator:
        world = seed(emulator)
        link_project(run.cwd, world.project.id)
        (run.cwd / "a.sh").write_text("infisical service-token create -s dve:/backend/** -s prod:/nope/** -a read\n")
        env = {"INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
        offline = run("check", env=env)
        assert offline.code == 0 and offline.stdout == ""
        online = run("check", "--online", env=env)
    assert online.code == 1
    assert "a.sh:1:35: error scope-unknown-env Environment 'dve' does not exist" in online.stdout
    assert "warning scope-no-folder '/nope/**' covers no existing folder in 'prod'" in online.stdout


@pytest.mark.parametrize("mode", ["old", "new"])
def test_online_an_unknown_project_fails_in_every_format(run: Runner, mode: Mode) -> None:
    """A mistyped project ID must fail CI, not turn quietly into an offline check; a server not reached stays a
    warning."""
    bogus = "00000000-0000-4000-8000-00000000dead"
    (run.cwd / "a.sh").write_text("infisical service-token create -s dev:/backend/** -a read\n")
    with Emulator(mode) as emulator:
        world = seed(emulator)
        env = {"INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
        said = {
            f: run("check", "--online", "--projectId", bogus, "--format", f, env=env)
            for f in ("text", "json", "github")
        }
    for form, result in said.items():
        assert result.code == 1, (form, result.output)
        assert "does not exist, or it is not yours" in result.stdout, (form, result.output)
        assert "it came from --projectId" in result.stdout, (form, result.output)
    assert "a.sh:1:1: error project-unknown The server does not know project " in said["text"].stdout
    assert json.loads(said["json"].stdout)[0]["code"] == "project-unknown"
    assert said["github"].stdout.startswith("::error file=a.sh,line=1,col=1,"), said["github"].stdout
    unreachable = run("check", "--online", "--projectId", bogus, env=env)  # the emulator has stopped
    assert unreachable.code == 0 and "checked offline" in unreachable.stderr, unreachable.output


def test_online_without_credentials_says_so(run: Runner) -> None:
    link_project(run.cwd, "p")
    result = run("check", "--online")
    assert result.code == 1 and "You must be logged in" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], 'invalid argument "xml" for "--format" flag: not one of its choices\n  xml\n  ^^^'),
        (["--format=jsn"], "Did you mean 'json'?"),
        (["--onlin"], "unknown flag: --onlin"),
        (["--online=maybe"], 'strconv.ParseBool: parsing "maybe"'),
    ],
)
def test_bad_arguments_exit_1_with_a_caret(run: Runner, args: list[str], message: str) -> None:
    result = run("check", *args)
    assert result.code == 1 and message in result.stderr
    assert result.stdout == ""


def test_check_help_is_the_command_models(run: Runner) -> None:
    result = run("check", "--help")
    assert result.code == 0
    assert "Usage:\n  infisical-tokens check [PATH...] [flags]" in result.stdout
    assert "--format string" in result.stdout and 'default "text"' in result.stdout


@pytest.mark.parametrize(
    ("rules", "path", "ignored"),
    [
        (["*.log"], "a/b.log", True),
        (["*.log", "!keep.log"], "keep.log", False),
        (["build/"], "build/x/y.sh", True),
        (["build/"], "build", True),
        (["/root-only.sh"], "sub/root-only.sh", False),
        (["/root-only.sh"], "root-only.sh", True),
        (["docs/**/*.md"], "docs/a/b/c.md", True),
    ],
)
def test_gitignore_rules(tmp_path: Path, rules: list[str], path: str, ignored: bool) -> None:
    (tmp_path / ".gitignore").write_text("\n".join(rules) + "\n")
    target = tmp_path / path
    is_dir = not Path(path).suffix
    (target if is_dir else target.parent).mkdir(parents=True, exist_ok=True)
    if not is_dir:
        target.write_text("")
    assert GitIgnore(tmp_path).ignored(target) is ignored


def test_online_takes_the_project_from_the_environment(run: Runner) -> None:
    """check resolves the project as every face does: --projectId, then INFISICAL_PROJECT_ID, then .infisical.json."""
    with Emulator("new") as emulator:
        world = seed(emulator)
        link_project(run.cwd, world.other_project.id)  # a file that names the other project (no 'prod' there)
        (run.cwd / "a.sh").write_text("infisical service-token create -s prod:/backend/** -a read\n")
        env = {"INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
        from_file = run("check", "--online", env=env)
        from_env = run("check", "--online", env={**env, "INFISICAL_PROJECT_ID": world.project.id})
        from_flag = run(
            "check",
            "--online",
            "--projectId",
            world.other_project.id,
            env={**env, "INFISICAL_PROJECT_ID": world.project.id},
        )
    assert from_file.code == 1 and "scope-unknown-env" in from_file.stdout
    assert from_env.code == 0, from_env.output
    assert from_flag.code == 1 and "scope-unknown-env" in from_flag.stdout
