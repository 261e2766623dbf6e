"""``infisical-tokens check`` over real trees: .gitignore handling, output formats, exit codes, --online."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
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


def git_tree(root: Path) -> None:
    """A real repository: tracked, untracked and ignored files, a project file that never says ``infisical``, a
    file that is its bare extension, and names only a named row gives a kind."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("ignored/\n")
    (root / ".infisical.json").write_text('{"workspaceId": "p"}')
    bad = "infisical service-token create -s dev:backend -a read\n"
    for name in ("a.sh", "a/b.sh", "b/Makefile", "b/Dockerfile.dev", "c.MD", "d/.sh", "z.yml", "notes.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"x: |\n  {bad}" if name.endswith(".yml") else bad)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    for name in ("new.sh", "a/new.sh", "ignored/x.sh", "a/.env.local"):  # untracked, one of them ignored
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(bad)


def _reports(result_stdout: str) -> list[tuple[str, int]]:
    return [(r["path"], r["line"]) for r in json.loads(result_stdout)]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_finds_what_a_walk_finds_in_path_order(run: Runner, tmp_path: Path) -> None:
    git_tree(run.cwd)
    by_git, git_text = run("check", "--format", "json"), run("check")
    shutil.rmtree(run.cwd / ".git")
    by_walk, walk_text = run("check", "--format", "json"), run("check")
    assert by_git.code == by_walk.code == 1, by_git.output
    found = _reports(by_git.stdout)
    assert sorted(found) == sorted(_reports(by_walk.stdout)) and found  # the same findings ...
    assert [f for f, _ in found] == sorted((f for f, _ in found), key=str.encode)  # ... in git's path order
    assert {f for f, _ in found} == {
        *("a.sh", "a/b.sh", "b/Makefile", "b/Dockerfile.dev", "z.yml", "new.sh", "a/new.sh", "a/.env.local"),
    }  # c.MD is read (and counted) but holds no code span; d/.sh and notes.txt have no kind
    summary = re.search(r"in (\d+) file\(s\) checked", git_text.stderr)
    assert summary is not None and summary.group(0) in walk_text.stderr and summary.group(1) == "10"


@pytest.mark.skipif(shutil.which("git") is None or sys.platform == "win32", reason="needs git, and sh for the stand-in")
def test_a_git_that_stops_answering_mid_search_leaves_the_walk_to_read(run: Runner, tmp_path: Path) -> None:
    """git grep failing after its lists came (a damaged object, a killed process) must not cost a finding."""
    git_tree(run.cwd)
    expected, expected_text = run("check", "--format", "json"), run("check")
    real_git = shutil.which("git")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "git").write_text(
        f'#!/bin/sh\ncase " $* " in *" grep "*) {real_git} "$@"; exit 2;; esac\nexec {real_git} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    shimmed = {"PATH": f"{shim}:{run.env['PATH']}"}
    broken, broken_text = run("check", "--format", "json", env=shimmed), run("check", env=shimmed)
    assert broken.code == expected.code == 1  # the same findings (in the walk's order)
    assert sorted(_reports(broken.stdout)) == sorted(_reports(expected.stdout)) != []
    assert "in 10 file(s) checked" in broken_text.stderr and "in 10 file(s) checked" in expected_text.stderr
    no_git = {"PATH": str(tmp_path / "nothing")}  # a repository on a machine without git
    walked, walked_text = run("check", "--format", "json", env=no_git), run("check", env=no_git)
    assert sorted(_reports(walked.stdout)) == sorted(_reports(expected.stdout))
    assert "in 10 file(s) checked" in walked_text.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_file_in_a_merge_conflict_is_counted_and_read_once(run: Runner) -> None:
    """git lists an unmerged file once for each side of the merge."""

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(run.cwd), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    (run.cwd / "deploy.sh").write_text("echo start\n")
    git("add", "-A")
    git("commit", "-qm", "start")
    git("checkout", "-qb", "other")
    (run.cwd / "deploy.sh").write_text("infisical service-token create -s dev:backend -a read\n")
    git("commit", "-qam", "other")
    git("checkout", "-q", "main")
    (run.cwd / "deploy.sh").write_text("infisical service-token create -s dev:/x -a raed\n")
    git("commit", "-qam", "main")
    subprocess.run(["git", "-C", str(run.cwd), "merge", "-q", "other"], capture_output=True)
    listed = subprocess.run(["git", "-C", str(run.cwd), "ls-files"], capture_output=True, text=True).stdout
    assert listed.splitlines() == ["deploy.sh"] * 3  # the index holds the file's three sides
    result = run("check", "--format", "json")
    codes = sorted(r["code"] for r in json.loads(result.stdout))  # both sides' lines, each once
    assert codes == ["bad-access-level", "scope-exact-folder", "scope-no-leading-slash"], result.stdout
    assert "in 1 file(s) checked" in run("check").stderr


@pytest.mark.skipif(sys.platform == "win32", reason="Windows does not delete a folder a process works in")
@pytest.mark.parametrize("argv", [["check", "."], ["check"], ["service-token", "list"], ["--help"]])
def test_a_deleted_working_folder_is_said_not_a_traceback(run: Runner, argv: list[str]) -> None:
    """A shell can sit in a folder another process deleted; the command line says so (``--help`` still helps)."""
    gone = run.cwd / "gone"
    gone.mkdir()
    code = (
        "import os, sys\n"
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
        "from infisical_tokens.core.cli import main\n"
        f"sys.exit(main({argv!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run.env, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    if argv == ["--help"]:
        assert done.returncode == 0 and "service-token" in done.stdout
    else:
        assert done.returncode == 1 and "error: the working folder cannot be read" in done.stderr, done.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_what_git_answers_is_not_bent_by_config_names_or_repeats(run: Runner) -> None:
    """A user's git config does not colour the names check reads, a folder named like a pattern is that folder,
    the same folder twice is read once, and a name too long to look up is said, not a traceback."""
    git_tree(run.cwd)
    (run.cwd / "d*").mkdir()
    expected = run("check", "--format", "json")
    colour = {"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "color.ui", "GIT_CONFIG_VALUE_0": "always"}
    colour |= {"GIT_CONFIG_KEY_1": "color.grep", "GIT_CONFIG_VALUE_1": "always"}
    coloured = run("check", "--format", "json", env=colour)
    assert (coloured.code, coloured.stdout) == (expected.code, expected.stdout) and expected.code == 1
    twice = run("check", "--format", "json", ".", ".")
    assert (twice.code, twice.stdout) == (expected.code, expected.stdout)
    assert "in 10 file(s) checked" in run("check", ".", "./").stderr
    pattern = run("check", "d*")  # a pattern would name a/, b/ and d/: the folder d* is empty
    assert pattern.code == 0 and "in 0 file(s) checked" in pattern.stderr, pattern.output
    long_name = run("check", "a" * 300)
    assert long_name.code == 1 and "was not checked: no such file or folder" in long_name.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_check_refused_by_the_parser_leaves_no_git_search_behind(
    run: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line starts git before it parses; a line the parser then refuses must not leave a search that
    a later check in the same process would take over with its old answers."""
    from infisical_tokens.core import cli, git_start

    git_tree(run.cwd)
    monkeypatch.chdir(run.cwd)
    assert cli.main(["check", "--format", "bogus", "."]) == 1
    assert not git_start._EARLY  # ended, not left running
    (run.cwd / "late.sh").write_text("infisical service-token create -s dev:late -a read\n")
    capsys.readouterr()
    assert cli.main(["check", "--format", "json", "."]) == 1
    assert "late.sh" in capsys.readouterr().out  # git's answers of now, not of the refused line


@pytest.mark.parametrize("collecting", [True, False])
def test_a_check_pauses_the_cycle_collector_and_leaves_it_as_it_found_it(
    run: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], collecting: bool
) -> None:
    """The pause costs no memory only because reading files makes no cycles: a second check of a tree leaves no
    garbage a collection would free. And the process (or the kernel a magic runs in) gets its collector back."""
    import gc

    from infisical_tokens.core import cli

    for folder in range(20):
        (run.cwd / f"d{folder}").mkdir()
        for name in range(10):
            (run.cwd / f"d{folder}" / f"f{name}.sh").write_text(
                f"infisical service-token create -s dev:/svc{folder}x{name} -a read\n"
            )
    (run.cwd / "ok.txt").write_text("infisical\n")
    monkeypatch.chdir(run.cwd)
    assert cli.main(["check", "."]) == 0  # warnings only; the imports are done
    gc.collect()
    was = gc.isenabled()
    try:
        gc.enable() if collecting else gc.disable()
        assert cli.main(["check", "."]) == 0
        assert gc.isenabled() is collecting
        assert gc.collect() < 50  # nothing worth a collector's scan: 200 findings made no cycle
    finally:
        gc.enable() if was else gc.disable()
    assert "200 problem(s) (0 error(s)) in 200 file(s) checked." in capsys.readouterr().err
