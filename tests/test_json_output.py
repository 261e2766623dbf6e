"""``--json`` on every command: the installed CLI against the emulator, each output checked against the shape
the README documents ("JSON output"); the token appears only in create's and rotate's own JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infisical_tokens.core import render
from infisical_tokens.core.outcomes import CompletionScript
from tests.conftest import Runner, link_project
from tests.emulator import Emulator, Seeded
from tests.test_faces import _outcome_types

OPTIONAL = object()  # a key that may be missing
Shape = Any  # a type, a tuple of allowed types/None, a one-element list (every item), or a dict of keys

SCOPE = {"environment": str, "secretPath": str}
TOKEN = {
    "id": str,
    "name": str,
    "projectId": str,
    "scopes": [SCOPE],
    "permissions": [str],
    "expiresAt": (str, None),
    "lastUsed": (str, None),
    "createdAt": str,
    "createdBy": str,
    "creatorEmail": (str, OPTIONAL),
}
CREATED = {"token": str, **TOKEN}
DRY_RUN = {"dryRun": bool, "url": str, "body": dict, "coverage": (dict, None), "coverageNote": (str, None)}
SHAPES: dict[str, Shape] = {
    "create": CREATED,
    "create --dry-run": DRY_RUN,
    "list": [TOKEN],
    "view": TOKEN,
    "delete": {"deleted": TOKEN},
    "rotate": {"created": CREATED, "old": TOKEN, "deleted": bool, "deleteError": (str, None)},
    "rotate --dry-run": {"dryRun": DRY_RUN, "old": TOKEN, "keepOld": bool},
    "audit": {
        "projectId": str,
        "tokens": int,
        "findings": [{"code": str, "severity": str, "tokenId": str, "tokenName": str, "message": str, "hint": str}],
    },
    "check": [
        {
            "path": str,
            "line": int,
            "column": int,
            "endLine": int,
            "endColumn": int,
            "severity": str,
            "code": str,
            "message": str,
            "hint": str,
        }
    ],
}


def conforms(value: Any, shape: Shape, where: str = "$") -> None:
    if isinstance(shape, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        required = {k for k, s in shape.items() if not (isinstance(s, tuple) and OPTIONAL in s)}
        assert required <= set(value) <= set(shape), f"{where}: keys {sorted(value)} vs {sorted(shape)}"
        for key, item in value.items():
            conforms(item, shape[key], f"{where}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), f"{where}: not an array"
        for i, item in enumerate(value):
            conforms(item, shape[0], f"{where}[{i}]")
    elif isinstance(shape, tuple):
        if value is None:
            assert None in shape, f"{where}: null"
        else:
            conforms(value, next(s for s in shape if s is not None and s is not OPTIONAL), where)
    else:
        assert isinstance(value, shape) and not (shape is int and isinstance(value, bool)), f"{where}: {value!r}"


def test_every_outcome_has_one_json_form() -> None:
    """From the table or carried by the outcome itself (a new outcome type needs no render.py entry)."""
    shown = render.presentations()
    assert {kind for kind in _outcome_types() if shown[kind].json is None} == {CompletionScript}


def test_every_command_prints_its_documented_json(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    link_project(run.cwd, world.project.id)
    (run.cwd / "ci.sh").write_text("infisical service-token create --scope=dev:backend --access-level=reed\n")

    def as_json(name: str, *args: str, code: int = 0) -> Any:
        words = name.split()
        head = ["check"] if words[0] == "check" else ["service-token", words[0]]
        result = run(*head, *args, *words[1:], "--json", env=login)
        assert result.code == code, result.stderr
        data = json.loads(result.stdout)
        conforms(data, SHAPES[name], name)
        return data, result

    created, result = as_json("create", "-s", "dev:/backend/**", "-a", "read")
    token = created["token"]
    assert token not in result.stderr
    as_json("create --dry-run", "-s", "dev:/backend/**", "-a", "read")
    listed, result = as_json("list")
    assert [t["id"] for t in listed] == [created["id"]] and token not in result.stdout
    assert as_json("view", created["id"][:8])[0]["id"] == created["id"]
    as_json("rotate --dry-run", created["id"])
    rotated, result = as_json("rotate", created["id"])
    assert rotated["deleted"] is True and rotated["old"]["id"] == created["id"]
    assert result.stdout.count(rotated["created"]["token"]) == 1 and rotated["created"]["token"] not in result.stderr
    audit, result = as_json("audit")
    assert audit["tokens"] == 1 and rotated["created"]["token"] not in result.stdout
    problems, _result = as_json("check", ".", code=1)
    assert {p["code"] for p in problems} >= {"scope-no-leading-slash", "bad-access-level"}
    deleted, result = as_json("delete", rotated["created"]["id"], "--yes")
    assert deleted["deleted"]["id"] == rotated["created"]["id"] and rotated["created"]["token"] not in result.stdout


def test_format_json_stays_an_alias(run: Runner, login: dict[str, str], world: Seeded) -> None:
    link_project(run.cwd, world.project.id)
    for head in (["check", "."], ["service-token", "audit"]):
        one, other = run(*head, "--json", env=login), run(*head, "--format", "json", env=login)
        assert one.code == other.code and json.loads(one.stdout) == json.loads(other.stdout)


def test_json_is_written_for_machines_only(run: Runner, login: dict[str, str], tmp_path: Path) -> None:
    """Nothing but the JSON document on stdout; warnings stay on stderr."""
    result = run("service-token", "create", "-s", "dev:/backend", "-a", "read", "--dry-run", "--json", env=login)
    assert result.code == 0
    json.loads(result.stdout)
    assert "Warning" in result.stderr and "Warning" not in result.stdout
