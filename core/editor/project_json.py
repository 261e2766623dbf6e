"""Editor features for ``.infisical.json``: diagnostics, completion and hover, tolerant of half-typed JSON."""

from __future__ import annotations

import json

from .. import scope
from ..api_url import normalize_api_url
from ..jsonloc import Location, Member, locate, members
from ..project_config import KEYS
from ..snapshot import Snapshot
from .answers import DOMAINS, Completion, Completions, Edit, Finding, HoverInfo, md_code, md_text

KEY_DOCS = {
    "workspaceId": "The project ID (`infisical init` writes it); `service-token create` uses it by default.",
    "defaultEnvironment": "Environment slug other commands use when none is given.",
    "gitBranchToEnvironmentMapping": "Git branch name -> environment slug, used by other commands.",
    "defaultSecretPath": "Folder path other commands use by default, e.g. /backend.",
    "domain": "Infisical instance URL for this repository (https://...). Credentials are only sent "
    "there if you confirm it outside the repository.",
}


def findings(text: str, snapshot: Snapshot, login_api_url: str | None) -> list[Finding]:
    found: list[Finding] = []
    try:
        parsed = json.loads(text)
    except RecursionError:
        found.append(Finding("error", "json-invalid", "Invalid JSON: nested too deeply.", 0, min(1, len(text))))
    except ValueError as err:
        position = getattr(err, "pos", 0)
        found.append(
            Finding(
                "error",
                "json-invalid",
                f"Invalid JSON: {getattr(err, 'msg', str(err))}.",
                position,
                min(position + 1, len(text)),
                "The Infisical CLI cannot read this file.",
            )
        )
    else:
        if not isinstance(parsed, dict):
            end = len(text.rstrip())
            kind = "null" if parsed is None else "an array" if isinstance(parsed, list) else "a single value"
            message = f"The file must hold a JSON object, not {kind}."
            found.append(Finding("error", "json-type", message, 0, max(1, end), "The Infisical CLI cannot read it."))
            return found
    canonical = {k.lower(): k for k in KEYS}
    for member in members(text):
        if len(member.path) != 1 or member.key is None or member.value is None:
            if len(member.path) == 2 and member.path[0] == "gitBranchToEnvironmentMapping" and member.value:
                if member.value.kind != "string":
                    what = f"Branch '{member.path[1]}' must map to an environment slug (a string)."
                    found.append(Finding("error", "json-type", what, member.value.start, member.value.end))
                else:
                    found += _slug_findings(member, snapshot, f"Branch '{member.path[1]}' maps to")
            continue
        key = str(member.path[0])
        known = canonical.get(key.lower())
        if known is None:
            suggestion = scope.closest(key, KEYS)
            found.append(
                Finding(
                    "warning",
                    "json-unknown-key",
                    f"Unknown key '{key}': the Infisical CLI ignores it.",
                    member.key.start,
                    member.key.end,
                    f"Did you mean '{suggestion}'?" if suggestion else f"Known keys: {', '.join(KEYS)}.",
                    Edit(member.key.start, member.key.end, json.dumps(suggestion)) if suggestion else None,
                    f"Rename to '{suggestion}'" if suggestion else "",
                )
            )
            continue
        value = member.value
        if known == "gitBranchToEnvironmentMapping":
            if value.kind not in ("{",) and not (value.kind == "literal" and value.value == "null"):
                found.append(
                    Finding(
                        "error",
                        "json-type",
                        f"'{known}' must map branch names to environment slugs.",
                        value.start,
                        value.end,
                    )
                )
            continue
        if value.kind != "string":
            found.append(Finding("error", "json-type", f"'{known}' must be a string.", value.start, value.end))
            continue
        if known == "defaultEnvironment" and value.value:
            found += _slug_findings(member, snapshot, "defaultEnvironment is")
        elif known == "workspaceId":
            if not value.value.strip():
                found.append(
                    Finding(
                        "error",
                        "json-no-project",
                        "workspaceId is empty.",
                        value.start,
                        value.end,
                        "Run `infisical init`, or put your project ID here.",
                    )
                )
            elif snapshot.projects and value.value not in {p.id for p in snapshot.projects}:
                found.append(
                    Finding(
                        "warning",
                        "json-unknown-project",
                        f"Project '{value.value}' does not exist, or it is not yours: it is not among the projects "
                        "you can see.",
                        value.start,
                        value.end,
                        "Check the project ID (this workspaceId), or your access to the project.",
                    )
                )
        elif known == "defaultSecretPath" and value.value and not value.value.startswith("/"):
            found.append(
                Finding(
                    "warning",
                    "json-path",
                    "defaultSecretPath should start with '/'.",
                    value.start,
                    value.end,
                    fix=Edit(value.start + 1, value.start + 1, "/"),
                    fix_title="Add the leading /",
                )
            )
        elif known == "domain" and value.value:
            found += _domain_findings(value.value, value.start, value.end, login_api_url)
    return found


def _slug_findings(member: Member, snapshot: Snapshot, what: str) -> list[Finding]:
    value = member.value
    if value is None or value.kind != "string" or not snapshot.online or value.value in snapshot.slugs:
        return []
    suggestion = scope.closest(value.value, snapshot.slugs)
    return [
        Finding(
            "error",
            "json-unknown-env",
            f"{what} '{value.value}', which is not an environment of this project.",
            value.start,
            value.end,
            (f"Did you mean '{suggestion}'? " if suggestion else "") + f"Known: {', '.join(snapshot.slugs) or 'none'}.",
            Edit(value.start, value.end, json.dumps(suggestion)) if suggestion else None,
            f"Use '{suggestion}'" if suggestion else "",
        )
    ]


def _domain_findings(domain: str, start: int, end: int, login_api_url: str | None) -> list[Finding]:
    if not domain.startswith(("http://", "https://")):
        return [
            Finding(
                "warning",
                "json-domain-invalid",
                "domain must start with http(s)://; the CLI ignores it.",
                start,
                end,
            )
        ]
    if login_api_url and normalize_api_url(domain) != login_api_url:
        return [
            Finding(
                "warning",
                "json-domain-trust",
                f"This repository points at {domain}, but you are logged in to {login_api_url}.",
                start,
                end,
                "Your credentials are only sent where you logged in; this domain is not used.",
            )
        ]
    return []


def complete(text: str, offset: int, snapshot: Snapshot) -> Completions:
    location = locate(text, offset)
    path = location.path
    if location.is_key and len(path) == 1:
        return Completions(_key_items(location))
    if location.is_key or not path:
        return Completions([])
    key = path[0]
    start, end = location.start, location.end
    if (key == "defaultEnvironment" and len(path) == 1) or (key == "gitBranchToEnvironmentMapping" and len(path) == 2):
        return Completions(
            [
                Completion(
                    e.slug,
                    json.dumps(e.slug),
                    start,
                    end,
                    "environment",
                    e.name if e.name != e.slug else "",
                    filter_text=json.dumps(e.slug),
                )
                for e in snapshot.environments
            ],
            not snapshot.online,
        )
    if key == "workspaceId" and len(path) == 1:
        return Completions(
            [
                Completion(p.name, json.dumps(p.id), start, end, "project", p.id, filter_text=json.dumps(p.id))
                for p in snapshot.projects
            ],
            not snapshot.online,
        )
    if key == "defaultSecretPath" and len(path) == 1:
        folders = sorted({f for paths in snapshot.folders.values() for f in paths})
        return Completions(
            [Completion(f, json.dumps(f), start, end, "folder", filter_text=json.dumps(f)) for f in folders],
            not snapshot.online,
        )
    if key == "domain" and len(path) == 1:
        return Completions(
            [
                Completion(url, json.dumps(url), start, end, "value", label, filter_text=json.dumps(url))
                for url, label in DOMAINS
            ]
        )
    return Completions([])


def _key_items(location: Location) -> list[Completion]:
    items = []
    for key in KEYS:
        if key in location.sibling_keys:
            continue
        value = "null" if key == "gitBranchToEnvironmentMapping" else '"$1"'
        items.append(
            Completion(
                key,
                f'"{key}": {value}',
                location.start,
                location.end,
                "key",
                documentation=KEY_DOCS[key],
                filter_text=json.dumps(key),
                snippet=True,
            )
        )
    return items


def hover(text: str, offset: int, snapshot: Snapshot) -> HoverInfo | None:
    location = locate(text, offset)
    token = location.token
    if token is None or token.kind != "string":
        return None
    if location.is_key:
        doc = KEY_DOCS.get(token.value)
        return HoverInfo(f"{md_code(token.value)}: {md_text(doc)}", token.start, token.end) if doc else None
    key = location.path[0] if location.path else None
    if key == "defaultEnvironment" or (key == "gitBranchToEnvironmentMapping" and len(location.path) == 2):
        env = snapshot.environment(token.value)
        if env is not None and snapshot.online:
            return HoverInfo(f"**{md_text(env.slug)}**: environment *{md_text(env.name)}*", token.start, token.end)
        if env is not None:
            return HoverInfo(f"**{md_text(env.slug)}**: environment (offline: not checked)", token.start, token.end)
    if key == "workspaceId":
        project = next((p for p in snapshot.projects if p.id == token.value), None)
        if project is not None:
            envs = md_text(", ".join(e.slug for e in project.environments))
            return HoverInfo(f"Project **{md_text(project.name)}** (environments: {envs})", token.start, token.end)
    return None
