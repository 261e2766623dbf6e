"""The emulator answers every captured request as the real server of its generation did (issue 18).

tests/emulator/captures/ holds, for each real server, the requests sent to it in order and what it answered
(status, top-level keys, message and error, and where they were recorded nested keys, folder names and rate
headers). The replay sends the same requests over real HTTP to a freshly seeded emulator of that generation,
with the placeholders (projects, tokens created along the way, kinds of credential) mapped onto it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.emulator import Emulator, Seeded, seed
from tests.emulator.state import Mode

CAPTURES = Path(__file__).parent / "emulator" / "captures"
UNKNOWN_TOKEN = "st.0badc0de-0000-4000-8000-000000000001." + "ab" * 16
RATE_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class Replay:
    """One emulator, its seeded world, and the tokens created by the replayed requests."""

    def __init__(self, emulator: Emulator, world: Seeded) -> None:
        self.emulator, self.world = emulator, world
        self.tokens: dict[str, str] = {}  # saved name -> the service token the server created
        self.http = requests.Session()

    def fill(self, text: str) -> str:
        """Placeholders: {P} and {O} are the two projects, {NAME} the ID of the token saved as NAME."""
        text = text.replace("{P}", self.world.project.id).replace("{O}", self.world.other_project.id)
        for name, token in self.tokens.items():
            text = text.replace("{" + name + "}", token.split(".")[1])
        return text

    def fill_any(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, list):
            return [self.fill_any(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill_any(v) for k, v in value.items()}
        return value

    def credential(self, auth: str) -> str | None:
        state, world = self.emulator.state, self.world
        kind, _, name = auth.partition(":")
        simple: dict[str, Any] = {
            "none": lambda: None,
            "jwt": lambda: state.issue_jwt(world.admin),
            "viewer": lambda: state.issue_jwt(world.viewer),
            "expired": lambda: state.issue_jwt(world.admin, expires_in=-10),
            "noorg": lambda: state.issue_jwt(world.admin, organization=False),
            "forged": lambda: state.issue_jwt(world.admin).rsplit(".", 1)[0] + "." + "A" * 43,
            "garbage": lambda: "abc",
            "st-unknown": lambda: UNKNOWN_TOKEN,
            "st-malformed": lambda: "st.garbage",
            "token": lambda: self.tokens[name],
            "token4": lambda: self.tokens[name] + "." + "cd" * 16,
            "wrong": lambda: self.tokens[name].rsplit(".", 1)[0] + "." + "0" * 32,
        }
        result: str | None = simple[kind]()
        return result

    def send(self, exchange: dict[str, Any], auth: str | None = None, path: str | None = None) -> requests.Response:
        token = self.credential(auth or exchange["auth"])
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        data: bytes | None = None
        if "raw" in exchange:
            data = exchange["raw"].encode()
            headers["Content-Type"] = "application/json"
        elif "body" in exchange:
            data = json.dumps(self.fill_any(exchange["body"])).encode()
            headers["Content-Type"] = "application/json"
        url = self.emulator.url + self.fill(path or exchange["path"])
        return self.http.request(exchange["method"], url, data=data, headers=headers, timeout=10)

    def run(self, exchange: dict[str, Any]) -> list[str]:
        """Send one captured request (and what it needs first); the differences from the real answer."""
        limiter = self.emulator.rate_limiter
        if exchange.get("reset_limits") and limiter is not None:
            limiter.reset()
        if exchange.get("end_window") and limiter is not None:
            limiter.end_windows()
        if "sleep" in exchange:
            time.sleep(exchange["sleep"])
        before = exchange.get("before")
        if before:
            for _ in range(before["times"]):
                self.send(exchange, auth=before.get("auth"), path=before.get("path"))
        answers = [self.send(exchange) for _ in range(exchange.get("times", 1))]
        differences = [d for answer in answers[:-1] for d in self.compare_status(exchange, answer)]
        answer = answers[-1]
        body = answer.json()
        if "save" in exchange and answer.status_code == 200:
            self.tokens[exchange["save"]] = body["serviceToken"]
        return differences + self.compare(exchange, answer, body)

    def compare_status(self, exchange: dict[str, Any], answer: requests.Response) -> list[str]:
        if answer.status_code != exchange["status"]:
            return [f"status: real={exchange['status']} emulator={answer.status_code}"]
        return []

    def compare(self, exchange: dict[str, Any], answer: requests.Response, body: Any) -> list[str]:
        found = self.compare_status(exchange, answer)
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        if keys != exchange["keys"]:
            found.append(f"keys: real={exchange['keys']} emulator={keys}")
        for field in ("message", "error"):
            if field in exchange:
                real, got = self.fill_any(exchange[field]), body.get(field)
                if isinstance(real, list) and real and isinstance(real[0], list) and isinstance(got, list):
                    got = [[".".join(str(p) for p in issue["path"]), issue["message"]] for issue in got]
                if real != got:
                    found.append(f"{field}: real={real!r} emulator={got!r}")
        for where, real_keys in exchange.get("nested_keys", {}).items():
            got_keys = sorted(_at(body, where) or {})
            if got_keys != real_keys:
                found.append(f"keys of {where}: real={real_keys} emulator={got_keys}")
        for listing, array, name in (("folder_names", "folders", "name"), ("secret_keys", "secrets", "secretKey")):
            if listing in exchange:
                got_names = sorted(str(item.get(name)) for item in _listed(body, array))
                if got_names != sorted(exchange[listing]):
                    found.append(f"{listing}: real={sorted(exchange[listing])} emulator={got_names}")
        if "headers" in exchange:
            real_headers = sorted((k.lower(), v) for k, v in exchange["headers"])
            got_headers = sorted(
                (k.lower(), "*" if k.lower() in ("retry-after", "x-ratelimit-reset") else v)
                for k, v in answer.headers.items()
                if k.lower() in RATE_HEADERS
            )
            if real_headers != got_headers:
                found.append(f"headers: real={real_headers} emulator={got_headers}")
        return found


def _at(body: Any, where: str) -> Any:
    """``user`` or ``folders[0]``: the object whose keys were recorded (None where the answer has none)."""
    name, _, index = where.partition("[")
    value = body.get(name) if isinstance(body, dict) else None
    if index:
        position = int(index.rstrip("]"))
        return value[position] if isinstance(value, list) and len(value) > position else None
    return value if isinstance(value, dict) else None


def _listed(body: Any, name: str) -> list[dict[str, Any]]:
    value = body.get(name) if isinstance(body, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def replay(mode: Mode, capture: str) -> tuple[int, list[str]]:
    exchanges = json.loads((CAPTURES / capture).read_text())["exchanges"]
    differences: list[str] = []
    with Emulator(mode) as emulator:
        session = Replay(emulator, seed(emulator))
        for exchange in exchanges:
            differences += [f"{exchange['name']}: {d}" for d in session.run(exchange)]
    return len(exchanges), differences


@pytest.mark.parametrize(
    ("mode", "capture", "count"), [("old", "real-2024-10.json", 94), ("new", "real-2026-07.json", 81)]
)
def test_every_captured_request_gets_the_real_answer(mode: Mode, capture: str, count: int) -> None:
    replayed, differences = replay(mode, capture)
    assert replayed == count
    assert differences == []
