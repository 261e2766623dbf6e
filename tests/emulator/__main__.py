"""``python -m tests.emulator``: a seeded emulator for processes that are not Python (the VS Code end-to-end suite).

Prints one JSON line (URL, project, a user token), then serves until standard input closes. ``--shell`` (what
``make try`` runs, for trying the tool by hand) prints ``export`` lines instead and serves until Ctrl-C. Each request is
appended to the file named by ``--log`` as one JSON line, so the driver can assert what was sent. The driver may
write ``stop`` or ``start`` lines to take the server down and bring it back on the same port (same data), as a
real server restarts; each is answered with ``ok <line>`` once done.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable

from . import Emulator, RecordedRequest, Seeded, seed


class LoggedRequests(list[RecordedRequest]):
    """The emulator's request record, also appended to a file as JSON lines (for a driver in another process)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
        self._lock = threading.Lock()

    def append(self, request: RecordedRequest) -> None:
        super().append(request)
        entry = {"method": request.method, "path": request.path, "body": request.body}
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()


CONTROLS: dict[str, Callable[[Emulator], object]] = {"stop": Emulator.stop, "start": Emulator.start}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator")
    parser.add_argument("--mode", choices=["old", "new"], default="new")
    parser.add_argument("--log", help="file to append each request to (JSON lines)")
    parser.add_argument("--shell", action="store_true", help="print export lines; serve until interrupted")
    args = parser.parse_args()
    with Emulator(args.mode) as emulator:
        world = seed(emulator)
        if args.log:
            emulator.requests = LoggedRequests(args.log)
        if args.shell:
            return _serve_for_a_person(emulator, world)
        print(
            json.dumps(
                {
                    "url": emulator.url,
                    "projectId": world.project.id,
                    "token": emulator.state.issue_jwt(world.admin, expires_in=7200),
                }
            ),
            flush=True,
        )
        for line in sys.stdin:  # until the driver closes our standard input
            control = CONTROLS.get(line.strip())
            if control is None:
                print(f"unknown control {line.strip()!r}; known: {', '.join(CONTROLS)}", flush=True)
                continue
            control(emulator)
            print(f"ok {line.strip()}", flush=True)
    return 0


def _serve_for_a_person(emulator: Emulator, world: Seeded) -> int:
    """The environment to paste into another terminal, then serve until Ctrl-C or SIGTERM (not stdin's end)."""
    token = emulator.state.issue_jwt(world.admin, expires_in=8 * 3600)
    print(
        f"# a local Infisical emulator (project 'Demo Project': dev, staging, prod; /backend/api, /frontend, ...)\n"
        f"# paste into another terminal, then try: infisical-tokens service-token create -s 'dev:/backend/**' -a read\n"
        f"export INFISICAL_DOMAIN={emulator.url}\n"
        f"export INFISICAL_TOKEN={token}\n"
        f"export INFISICAL_PROJECT_ID={world.project.id}\n"
        "# Ctrl-C stops it",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
