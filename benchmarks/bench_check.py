"""What ``infisical-tokens check`` spends per file it reads and per finding it prints, in process.

The tree is the one ``make bench`` times ``check .`` on: every 50th file holds one ``infisical service-token create``
line (each a different scope), a tenth of the files sit in an ignored ``node_modules``; the files ``check`` reads
are git's (``discover.GitSearch``), as the command line gets them. Measured, each in a fresh process:

- cold: the first ``check_file`` pass over those files in the process (what the command line pays), and the first
  ``format_text`` of its reports;
- warm: later passes in the same process (a fresh ``ContextFor`` each, as a new run would make; the command lines
  checked before are remembered, as the language server remembers them), and later ``format_text`` calls.

Times are the process's CPU time (``time.process_time``; ``BENCH_CHECK_CLOCK=wall``: wall time), so that other work
on the machine does not count.
``--baseline REV`` runs the same measurements on the ``core/`` of a commit (extracted to a temporary folder),
interleaved with the working tree's, prints before/after ratios, and asserts that both print the same bytes in
every output format and find the same findings.

    python benchmarks/bench_check.py [--tree DIR | --files N] [--baseline REV] [--rounds N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
WARM_PASSES = 5
# the process's own CPU time (system calls included): other processes on a shared 2-core machine stretch wall time
# by whole scheduler slices, which would drown a 10 ms figure; BENCH_CHECK_CLOCK=wall for wall time
clock = time.perf_counter if os.environ.get("BENCH_CHECK_CLOCK") == "wall" else time.process_time


def make_tree(root: Path, files: int) -> None:
    """``files`` scripts under ``root`` (a new git repository), as ``make bench``'s ``check`` tree has them."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("node_modules/\n")
    (root / ".infisical.json").write_text('{"workspaceId": "p"}')
    for i in range(files):
        folder = root / ("node_modules" if i % 10 == 0 else "src") / f"d{i // 200}"
        folder.mkdir(parents=True, exist_ok=True)
        body = f"infisical service-token create -s dev:/svc{i} -a read\n" if i % 50 == 5 else f"echo {i}\n" * 5
        (folder / f"f{i}.sh").write_text(body)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)


def expected(files: int) -> tuple[int, int]:
    """(files read, findings) in such a tree: the project file and each command line outside node_modules, one
    warning each (``scope-exact-folder``)."""
    commands = sum(1 for i in range(files) if i % 50 == 5 and i % 10 != 0)
    return commands + 1, commands


def child(tree: Path) -> dict[str, Any]:
    """One process's measurements (run with the ``infisical_tokens`` to measure first on ``sys.path``)."""
    from infisical_tokens.core import check_output, discover

    engine: Any
    if hasattr(discover, "GitSearch"):  # since the engine left check.py (file_check) and git answers as it goes
        from infisical_tokens.core import file_check as engine

        search = discover.GitSearch.start(tree)
        found = search.found() if search is not None else None
        assert found is not None, "not a git tree"
        to_read = list(found.files())
    else:  # a --baseline from before that
        from infisical_tokens.core import check as engine

        listed = getattr(discover, "git_candidates")(tree)  # noqa: B009 (gone from the module being typed)
        assert listed is not None, "not a git tree"
        to_read = listed.to_read

    def one_pass() -> list[Any]:
        context_for = engine.ContextFor(None, None, {})
        reports: list[Any] = []
        for path, kind in to_read:
            reports += engine.check_file(path, kind, context_for)
        return reports

    start = clock()
    reports = one_pass()
    cold = clock() - start
    start = clock()
    text = check_output.format_text(reports, tree)
    cold_out = clock() - start
    warm, warm_out = [], []
    for _ in range(WARM_PASSES):
        start = clock()
        again = one_pass()
        warm.append(clock() - start)
        start = clock()
        check_output.format_text(again, tree)
        warm_out.append(clock() - start)
    outputs = {name: fmt(reports, tree) for name, fmt in check_output.FORMATS.items()}
    assert outputs["text"] == text
    return {
        "module": engine.__file__,
        "read": len(to_read),
        "findings": len(reports),
        "codes": sorted({r.finding.code for r in reports}),
        "digests": {name: hashlib.sha256(out.encode()).hexdigest() for name, out in outputs.items()},
        "cold": cold,
        "cold_out": cold_out,
        "warm": statistics.median(warm),
        "warm_out": statistics.median(warm_out),
    }


def measure(package_root: Path, tree: Path) -> dict[str, Any]:
    """``child`` in a fresh process, importing ``infisical_tokens`` from ``package_root``."""
    env = {**os.environ, "BENCH_CHECK_PACKAGE": str(package_root)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(tree)], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["module"].startswith(str(package_root)), result["module"]
    return result


def baseline_package(rev: str, into: Path) -> Path:
    """The ``core/`` of commit ``rev`` as ``into/infisical_tokens/core``."""
    target = into / "infisical_tokens"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(HERE), "archive", rev, "core"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return into


FIGURES = (
    ("cold", "check_file, cold"),
    ("warm", "check_file, warm"),
    ("cold_out", "format_text, cold"),
    ("warm_out", "format_text, warm"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="a tree made by this script (else one is made)")
    parser.add_argument("--files", type=int, default=20_000, help="files in the tree made, or in --tree")
    parser.add_argument("--baseline", help="a commit to compare against (its core/)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_CHECK_ROUNDS", "7")))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        sys.path.insert(0, os.environ["BENCH_CHECK_PACKAGE"])
        print(json.dumps(child(args.child)))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        tree = args.tree
        if tree is None:
            tree = Path(scratch) / "tree"
            make_tree(tree, args.files)
        sides = {"now": HERE / ".mypy"}
        if args.baseline:
            sides = {"before": baseline_package(args.baseline, Path(scratch) / "before"), **sides}
        runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side, package in sides.items():  # interleaved: drift on a shared machine hits both alike
                runs[side].append(measure(package, tree))
        read, findings = expected(args.files)
        for side, results in runs.items():
            for result in results:
                assert (result["read"], result["findings"]) == (read, findings), (side, result, read, findings)
                assert result["codes"] == ["scope-exact-folder"], result["codes"]
                assert result["digests"] == runs["now"][0]["digests"], f"{side}'s output differs"
        clock_name = "wall" if clock is time.perf_counter else "CPU"
        print(f"{args.files} files, {read} read, {findings} findings; {clock_name} time, medians of {args.rounds} runs")
        for key, label in FIGURES:
            line = f"{label:<20}"
            for side, results in runs.items():
                values = [r[key] for r in results]
                median = statistics.median(values)
                line += f"  {side} {median * 1000:7.2f} ms [{min(values) * 1000:.1f}-{max(values) * 1000:.1f}]"
                line += f" ({median / (read if 'out' not in key else findings) * 1e6:5.1f} us each)"
            if "before" in runs:
                ratios = [b[key] / n[key] for b, n in zip(runs["before"], runs["now"], strict=True)]
                line += f"  before/now {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
