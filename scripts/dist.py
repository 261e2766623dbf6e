"""Build the wheel and sdist so that they depend on the commit alone, not on the machine or moment that built them.

setuptools already dates a wheel's entries from ``SOURCE_DATE_EPOCH``, but it copies each file's permission bits
(which follow the builder's umask) and writes the sdist with the checkout's file times, owner and a gzip header
time. Both archives are rewritten here with every entry dated ``SOURCE_DATE_EPOCH``, owned by no one, readable by
all (executable where the source is), in name order. ``SOURCE_DATE_EPOCH`` is the last commit's time unless
set. The build is offline (``--no-isolation``: the build requirements come from the test environment).
Usage: ``python scripts/dist.py OUT_DIR [SOURCE_DIR]``.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path


def _mode(executable: bool) -> int:
    return 0o755 if executable else 0o644


def normalize_wheel(path: Path, epoch: int) -> None:
    """Rewrite the wheel's entries with one date and umask-free permissions, keeping their order (RECORD last)."""
    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip cannot store dates before 1980
    with zipfile.ZipFile(path) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for info, data in entries:
            fresh = zipfile.ZipInfo(info.filename, date_time=stamp)
            fresh.compress_type = zipfile.ZIP_DEFLATED
            fresh.external_attr = (0o100000 | _mode(bool((info.external_attr >> 16) & 0o111))) << 16
            new.writestr(fresh, data)


def normalize_sdist(path: Path, epoch: int) -> None:
    """Rewrite the sdist in name order, every entry dated ``epoch`` and owned by root, gzip header included."""
    with tarfile.open(path, "r:gz") as old:
        members = sorted(old.getmembers(), key=lambda m: m.name)
        contents = {m.name: old.extractfile(m).read() for m in members if m.isfile()}  # type: ignore[union-attr]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as new:
        for member in members:
            member.mtime = epoch
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.pax_headers = {}
            member.mode = _mode(member.isdir() or bool(member.mode & 0o111))
            data = contents.get(member.name)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=epoch) as zipped:
        zipped.write(buffer.getvalue())


class BuildFailed(Exception):
    """The build backend refused; the message is the end of its output."""


def source_epoch(source: Path, env: dict[str, str]) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the last commit's time, else 1980 (an unpacked sdist has no history)."""
    if env.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(env["SOURCE_DATE_EPOCH"])
    found = subprocess.run(
        ["git", "-C", str(source), "log", "-1", "--format=%ct"], capture_output=True, text=True, check=False
    )
    return int(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip().isdigit() else 315532800


def build(out: Path, source: Path) -> None:
    """Build the wheel and sdist of ``source`` into ``out``, then make both reproducible."""
    env = dict(os.environ)
    epoch = source_epoch(source, env)
    env["SOURCE_DATE_EPOCH"] = str(epoch)
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildFailed(done.stdout[-4000:] + done.stderr[-4000:])
    for wheel in out.glob("*.whl"):
        normalize_wheel(wheel, epoch)
    for sdist in out.glob("*.tar.gz"):
        normalize_sdist(sdist, epoch)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python scripts/dist.py OUT_DIR [SOURCE_DIR]", file=sys.stderr)
        return 2
    try:
        build(Path(argv[0]), Path(argv[1] if len(argv) == 2 else "."))
    except BuildFailed as err:
        print(f"{err}\nthe build failed; its last messages are above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
