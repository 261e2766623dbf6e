"""``make release-check``: what a registry or a user would refuse in the built artefacts, found before they do.

Both the wheel and the sdist are installed into fresh venvs and every face is run from each. Every check runs
and every problem is listed; the exit status is 1 while any remains. The public home
(``[tool.infisical-tokens] home`` in pyproject.toml) is undecided today, so this fails naming it until it is set.
Usage: ``python scripts/release_check.py DIST_DIR`` (the folder ``make dist`` fills).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME_SETTING = "[tool.infisical-tokens] home in pyproject.toml"
PLACEHOLDERS = re.compile(r"example\.invalid|<this repository>|<tag>|OWNER/REPO")
SHOWN = (".md", "METADATA", "PKG-INFO", "package.json", ".vsixmanifest")  # what a registry or an editor displays


def public_home(metadata: str) -> str:
    """The home a built wheel announces (``Project-URL: Homepage, ...``), empty when it has none."""
    found = re.search(r"^Project-URL: Homepage, (\S+)$", metadata.split("\n\n", 1)[0], re.MULTILINE)
    return found.group(1) if found else ""


def home_problems(home: str) -> list[str]:
    if not home:
        return [
            f"the public home is unset: set {HOME_SETTING} (the registries' links and the .vsix manifest's "
            "repository, homepage and bugs come from it, so those are absent too)"
        ]
    if not re.fullmatch(r"https://[^\s/]+/\S+", home):
        return [f"the public home must be an https:// address of a page, not {home!r} ({HOME_SETTING})"]
    return []


def content_problems(artefact: str, files: Iterable[tuple[str, bytes]], build_dirs: Iterable[str]) -> list[str]:
    """The builder's own paths in any text file an artefact carries, and placeholders in what is displayed."""
    dirs = [d for d in build_dirs if d and d != "/"]
    found = []
    for name, data in files:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if name.endswith("direct_url.json"):
            found.append(f"{artefact}: {name} records where it was installed from")
        for line in text.splitlines()[:1] if name.endswith(("/bin/" + Path(name).name,)) else []:
            if line.startswith("#!/"):
                found.append(f"{artefact}: {name} starts with the builder's interpreter ({line[:80]})")
        for d in dirs:
            if d in text:
                found.append(f"{artefact}: {name} holds the build folder {d}")
                break
        hit = PLACEHOLDERS.search(text) if name.endswith(SHOWN) else None
        if hit:
            found.append(f"{artefact}: {name} holds the placeholder {hit.group(0)!r}")
    return found


LINKS = ("repository", "homepage", "bugs")  # written from the home at package time (scripts/package_vsix.mjs)


def vsix_manifest_problems(manifest: dict[str, object], home: str, version: str) -> list[str]:
    """What the .vsix manifest lacks. Without a home its links are absent by design: that is the one problem
    ``home_problems`` names, not three more here."""
    found = []
    if manifest.get("version") != version:
        found.append(f"the .vsix is version {manifest.get('version')}, the Python package {version}")
    for key in (*(LINKS if home else ()), "icon", "license", "publisher"):
        if not manifest.get(key):
            found.append(f"the .vsix manifest has no {key}")
    if home:
        links = json.dumps({k: manifest.get(k) for k in LINKS})
        if home.rstrip("/") not in links:
            found.append(f"the .vsix manifest's links do not point at the public home {home}")
    return found


def _zip_files(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]


def _tar_files(path: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(path) as archive:
        return [(m.name, archive.extractfile(m).read()) for m in archive.getmembers() if m.isfile()]  # type: ignore[union-attr]


def _run(
    command: list[str], what: str, *, env: dict[str, str] | None = None, cwd: str | None = None, stdin: bytes = b""
) -> list[str]:
    done = subprocess.run(command, input=stdin, capture_output=True, env=env, cwd=cwd, check=False, timeout=300)
    if done.returncode != 0:
        said = (done.stdout + done.stderr).decode("utf-8", "replace").strip()[-600:]
        return [f"{what} failed (exit {done.returncode}): {said}"]
    return []


def lsp_frames(*messages: dict[str, object]) -> bytes:
    """JSON-RPC messages framed as the Language Server Protocol sends them over stdio."""
    frames = [json.dumps({"jsonrpc": "2.0", **m}).encode() for m in messages]
    return b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(f), f) for f in frames)


LSP_SESSION = lsp_frames(
    {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}},
    {"method": "initialized", "params": {}},
    {"id": 2, "method": "shutdown"},
    {"method": "exit"},
)


def smoke_problems(bin_dir: Path, label: str) -> list[str]:
    """Run every face from an installed ``bin_dir``: the CLI's help, an offline dry run (no INFISICAL_TOKEN, a
    fresh HOME: it warns and exits 0), an LSP initialize/shutdown/exit over stdio, and the IPython magic."""
    bin_dir = bin_dir.absolute()
    found = _run([str(bin_dir / "infisical-tokens"), "--help"], f"{label}: infisical-tokens --help")
    found += _run([str(bin_dir / "infisical-lsp"), "--version"], f"{label}: infisical-lsp --version")
    with tempfile.TemporaryDirectory(prefix="infisical-release-home-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INFISICAL_", "XDG_"))}
        env.update(HOME=home, USERPROFILE=home, LOCALAPPDATA=home)
        create = ["service-token", "create", "-s", "dev:/", "-a", "read", "--dry-run", "--projectId", "release-check"]
        done = subprocess.run(
            [str(bin_dir / "infisical-tokens"), *create], env=env, cwd=home, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0 or "offline" not in done.stderr:
            said = (done.stdout + done.stderr).strip()[-600:]
            found.append(f"{label}: an offline dry run did not warn and succeed (exit {done.returncode}): {said}")
        lsp = subprocess.run([str(bin_dir / "infisical-lsp")], input=LSP_SESSION, env=env, cwd=home,
                             capture_output=True, timeout=120)  # fmt: skip
        if lsp.returncode != 0 or b'"capabilities"' not in lsp.stdout:
            said = (lsp.stdout + lsp.stderr).decode("utf-8", "replace").strip()[-600:]
            found.append(
                f"{label}: the language server's initialize/shutdown/exit failed (exit {lsp.returncode}): {said}"
            )
        found += _run([str(bin_dir / "ipython"), "--quick", "-c", "%load_ext infisical_tokens.magics"],
                      f"{label}: %load_ext in IPython", env=env, cwd=home)  # fmt: skip
    return found


def installed_problems(artefact: Path) -> list[str]:
    """Install a wheel or an sdist (with the notebook extra) into a fresh venv and run every face from it."""
    with tempfile.TemporaryDirectory(prefix="infisical-release-") as folder:
        venv.create(folder, with_pip=True)
        bin_dir = Path(folder) / ("Scripts" if sys.platform == "win32" else "bin")
        install = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", f"{artefact}[notebook]"]
        found = _run(install, f"pip install {artefact.name}")
        return found or smoke_problems(bin_dir, artefact.name)


def check(dist: Path) -> list[str]:
    wheels, sdists, vsixes = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.vsix"))
    if not (wheels and sdists and vsixes):
        return [f"{dist} lacks a wheel, an sdist or a .vsix: run make dist first"]
    metadata = next(data for name, data in _zip_files(wheels[0]) if name.endswith(".dist-info/METADATA"))
    home = public_home(metadata.decode("utf-8"))
    build_dirs = {str(ROOT), str(ROOT.resolve())}
    found = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)], "twine check")
    for wheel in wheels:
        files = _zip_files(wheel)
        found += content_problems(wheel.name, files, build_dirs)
        if not any(name.endswith("/licenses/LICENSE") for name, _ in files):
            found.append(f"{wheel.name} carries no LICENSE")
    for sdist in sdists:
        files = _tar_files(sdist)
        found += content_problems(sdist.name, files, build_dirs)
        if not any(name.endswith("/LICENSE") for name, _ in files):
            found.append(f"{sdist.name} carries no LICENSE")
    for vsix in vsixes:
        files = _zip_files(vsix)
        found += content_problems(vsix.name, files, build_dirs)
        manifest = json.loads(dict(files).get("extension/package.json", b"{}"))
        version = re.search(r"-(\d[^-]*)-py3", wheels[0].name)
        found += vsix_manifest_problems(manifest, home, version.group(1) if version else "?")
    found += installed_problems(wheels[0]) + installed_problems(sdists[0])
    return found + home_problems(home)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/release_check.py DIST_DIR", file=sys.stderr)
        return 2
    found = check(Path(argv[0]))
    for problem in found:
        print(f"release-check: {problem}", file=sys.stderr)
    if not found:
        print("release-check: every check passed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
