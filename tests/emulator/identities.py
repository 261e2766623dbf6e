"""Machine identities in the emulator: identities, Universal Auth, project memberships, additional privileges
(2026's v2 route and 2024's v1 routes), and secret reads governed by those privileges.

Facts follow ``tests/emulator/README.md`` (section "Machine identities"): calls, bodies and answers as the 2026
server gave them, the 2024 differences from its source. Imported by ``server.py`` to add its routes.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infisical_tokens.core.glob import GlobSyntaxError, compile_glob

from .server import _MISSING, Actor, Handler, HTTPAnswer, _expect
from .state import ORG_ID, Mode, now_iso

UA_DEFAULTS: dict[str, Any] = {
    "accessTokenTTL": 2592000,
    "accessTokenMaxTTL": 2592000,
    "accessTokenNumUsesLimit": 0,
    "accessTokenPeriod": 0,
    "lockoutEnabled": True,
    "lockoutThreshold": 3,
    "lockoutDurationSeconds": 300,
    "lockoutCounterResetSeconds": 30,
}
TRUSTED_ALL = [{"type": "ipv4", "prefix": 0, "ipAddress": "0.0.0.0"}, {"type": "ipv6", "prefix": 0, "ipAddress": "::"}]
SUBJECTS = ("secrets", "secret-imports", "secret-folders")
ACTIONS = ("read", "create", "edit", "delete", "describeSecret", "readValue")
PERMISSION_CACHE = 10.0  # the 2026 server re-read an identity's permissions after about 10 s
MAX_TTL = 315360000


@dataclass
class ClientSecret:
    id: str
    secret_hash: str
    prefix: str
    ttl: int
    num_uses_limit: int
    description: str
    created_at: float = field(default_factory=time.time)
    revoked: bool = False

    def as_json(self, ua_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "createdAt": now_iso(self.created_at),
            "updatedAt": now_iso(self.created_at),
            "description": self.description,
            "clientSecretPrefix": self.prefix,
            "clientSecretNumUses": 0,
            "clientSecretNumUsesLimit": self.num_uses_limit,
            "clientSecretTTL": self.ttl,
            "identityUAId": ua_id,
            "isClientSecretRevoked": self.revoked,
        }

    def expired(self, now: float) -> bool:
        return self.ttl > 0 and now >= self.created_at + self.ttl


@dataclass
class UniversalAuth:
    id: str
    client_id: str
    settings: dict[str, Any]
    client_secrets: dict[str, ClientSecret] = field(default_factory=dict)


@dataclass
class Privilege:
    id: str
    slug: str
    project_id: str
    rules: list[dict[str, Any]]  # each {subject, action: [..], conditions: {..}} (2024's single action as a list)
    ends_at: float | None  # a temporary privilege's end; None: permanent
    starts_at: float | None = None
    temporary: dict[str, Any] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)

    def active(self, now: float) -> bool:
        return self.ends_at is None or (self.starts_at or 0) <= now < self.ends_at

    def as_json(self, mode: Mode) -> dict[str, Any]:
        rules = [
            {**r, "action": r["action"] if mode == "new" else r["action"][0], "inverted": False} for r in self.rules
        ]
        return {
            "id": self.id,
            "slug": self.slug,
            "isTemporary": self.ends_at is not None,
            "temporaryMode": self.temporary.get("temporaryMode"),
            "temporaryRange": self.temporary.get("temporaryRange"),
            "temporaryAccessStartTime": self.temporary.get("temporaryAccessStartTime"),
            "temporaryAccessEndTime": None if self.ends_at is None else now_iso(self.ends_at),
            "permissions": rules,
            "createdAt": now_iso(self.created_at),
            "updatedAt": now_iso(self.created_at),
        }


@dataclass
class MachineIdentity:
    id: str
    name: str
    metadata: list[dict[str, str]]
    created_at: float = field(default_factory=time.time)
    ua: UniversalAuth | None = None
    memberships: dict[str, str] = field(default_factory=dict)  # project id -> membership id
    privileges: list[Privilege] = field(default_factory=list)
    cache: dict[str, tuple[float, list[dict[str, Any]]]] = field(default_factory=dict)  # project -> (when, rules)

    def as_json(self, mode: Mode) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "authMethod": "universal-auth" if self.ua else None,
            "createdAt": now_iso(self.created_at),
            "updatedAt": now_iso(self.created_at),
            "hasDeleteProtection": False,
            "orgId": ORG_ID,
        }
        if mode == "new":
            data.update(
                {
                    "projectId": None,
                    "authMethods": ["universal-auth"] if self.ua else [],
                    "metadata": [{"id": str(uuid.uuid4()), **m} for m in self.metadata],
                }
            )
        return data


@dataclass
class AccessToken:
    identity_id: str
    client_secret_id: str
    revoked: bool = False


class Identities:
    """Every machine identity the emulated organisation has, and the access tokens issued to them."""

    def __init__(self) -> None:
        self.by_id: dict[str, MachineIdentity] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.permission_cache = PERMISSION_CACHE


def registry(h: Handler) -> Identities:
    return h.emulator.identities


# ---------------------------------------------------------------------- helpers


def _validate(h: Handler, issues: list[dict[str, Any]]) -> None:
    if issues:
        raise h.validation_failure(issues)


def _object(h: Handler, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        issues: list[dict[str, Any]] = []
        _expect(issues, _MISSING if body is None else body, "object", [])
        _validate(h, issues)
        return {}
    return body


def _identity(h: Handler, identity_id: str) -> MachineIdentity:
    found = registry(h).by_id.get(identity_id)
    if found is None:
        raise HTTPAnswer(404, f"Failed to find identity with id {identity_id}", "NotFound")
    return found


def _admin_of(h: Handler, actor: Actor, project_id: str) -> None:
    _, role = h.project_for(actor, project_id)
    if role != "admin":
        raise h.permission_denied("edit", "identity")


def _org_user(h: Handler, actor: Actor | None) -> Actor:
    """Org identity management: a user of the organisation who is an admin of some project (a stand-in for
    the org role), as no viewer may manage identities."""
    actor = h.require(actor, "user")
    if "admin" not in actor.roles.values():
        raise h.permission_denied("create", "identity")
    return actor


def identity_actor(h: Handler, claims: dict[str, Any]) -> Actor:
    """The actor of an access token from a Universal Auth login: refused at once (401) when the token, its
    client secret or its identity was revoked or deleted."""
    reg = registry(h)
    issued = reg.access_tokens.get(str(claims.get("identityAccessTokenId", "")))
    identity = reg.by_id.get(str(claims.get("identityId", "")))
    secret = None
    if identity is not None and identity.ua is not None and issued is not None:
        secret = identity.ua.client_secrets.get(issued.client_secret_id)
    if issued is None or issued.revoked or identity is None or secret is None or secret.revoked:
        raise HTTPAnswer(401, "Failed to authorize identity access token", "UnauthorizedError")
    return Actor("identity", identity.id, {project: "viewer" for project in identity.memberships})


# ---------------------------------------------------------------------- identities and Universal Auth


def create_identity(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    _org_user(h, actor)
    body = _object(h, body)
    issues: list[dict[str, Any]] = []
    _expect(issues, body.get("name", _MISSING), "string", ["name"])
    _expect(issues, body.get("organizationId", _MISSING), "string", ["organizationId"])
    metadata = body.get("metadata", [])
    if h.state.mode == "old":
        metadata = []  # not in the 2024 schema: dropped, as zod drops unknown keys
    elif _expect(issues, metadata, "array", ["metadata"]):
        for i, pair in enumerate(metadata):
            if not isinstance(pair, dict) or not all(isinstance(pair.get(k), str) for k in ("key", "value")):
                _expect(issues, pair, "object", ["metadata", i])
    _validate(h, issues)
    if body.get("role", "no-access") != "no-access":
        raise h.permission_denied("grant-privileges", "identity")
    identity = MachineIdentity(
        str(uuid.uuid4()), body["name"].strip(), [{"key": p["key"], "value": p["value"]} for p in metadata]
    )
    with h.state.lock:
        registry(h).by_id[identity.id] = identity
    return 200, {"identity": identity.as_json(h.state.mode)}


def list_org_identities(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    """``GET /api/v2/organizations/{orgId}/identity-memberships``: the org's identities, ``offset``/``limit``
    pages (default 100), each with the identity as the create answered it (2024: no metadata)."""
    _org_user(h, actor)
    if m.group("org") != ORG_ID:
        raise h.permission_denied("read", "identity")
    offset, limit = (int((q.get(k) or [d])[0]) for k, d in (("offset", "0"), ("limit", "100")))
    rows = sorted(registry(h).by_id.values(), key=lambda i: i.created_at)
    page = [
        {
            "id": f"m-{i.id}",
            "identityId": i.id,
            "orgId": ORG_ID,
            "role": "no-access",
            "identity": i.as_json(h.state.mode),
        }
        for i in rows[offset : offset + limit]
    ]
    return 200, {"identityMemberships": page, "totalCount": len(rows)}


def delete_identity(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    _org_user(h, actor)
    with h.state.lock:
        identity = _identity(h, m.group("id"))
        del registry(h).by_id[identity.id]
    return 200, {"identity": identity.as_json(h.state.mode)}


def _ua_json(identity: MachineIdentity) -> dict[str, Any]:
    assert identity.ua is not None
    return {
        "id": identity.ua.id,
        "clientId": identity.ua.client_id,
        **identity.ua.settings,
        "clientSecretTrustedIps": TRUSTED_ALL,
        "accessTokenTrustedIps": TRUSTED_ALL,
        "createdAt": now_iso(identity.created_at),
        "updatedAt": now_iso(identity.created_at),
        "identityId": identity.id,
    }


def attach_ua(h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    _org_user(h, actor)
    body = _object(h, body if body is not None else {})
    settings = dict(UA_DEFAULTS)
    issues: list[dict[str, Any]] = []
    for key in ("accessTokenTTL", "accessTokenMaxTTL", "accessTokenNumUsesLimit", "accessTokenPeriod"):
        if key in body and _expect(issues, body[key], "number", [key]):
            settings[key] = int(body[key])
    _validate(h, issues)
    if not 0 <= settings["accessTokenTTL"] <= settings["accessTokenMaxTTL"] <= MAX_TTL:
        raise HTTPAnswer(400, "Access token TTL cannot be greater than max TTL", "BadRequest")
    with h.state.lock:
        identity = _identity(h, m.group("id"))
        if identity.ua is not None:
            raise HTTPAnswer(400, "Failed to add universal auth to already configured identity", "BadRequest")
        identity.ua = UniversalAuth(str(uuid.uuid4()), str(uuid.uuid4()), settings)
    return 200, {"identityUniversalAuth": _ua_json(identity)}


def remove_ua(h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    _org_user(h, actor)
    with h.state.lock:
        identity = _identity(h, m.group("id"))
        if identity.ua is None:
            raise HTTPAnswer(400, "The identity does not have universal auth", "BadRequest")
        answer = _ua_json(identity)
        identity.ua = None
    return 200, {"identityUniversalAuth": answer}


def _ua_of(h: Handler, identity_id: str) -> tuple[MachineIdentity, UniversalAuth]:
    identity = _identity(h, identity_id)
    if identity.ua is None:
        raise HTTPAnswer(400, "The identity does not have universal auth", "BadRequest")
    return identity, identity.ua


def create_client_secret(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    _org_user(h, actor)
    body = _object(h, body if body is not None else {})
    issues: list[dict[str, Any]] = []
    for key in ("ttl", "numUsesLimit"):
        if key in body:
            _expect(issues, body[key], "number", [key])
    if "description" in body:
        _expect(issues, body["description"], "string", ["description"])
    _validate(h, issues)
    ttl = int(body.get("ttl", 0))
    if not 0 <= ttl <= MAX_TTL:
        issues.append({"code": "too_big", "maximum": MAX_TTL, "path": ["ttl"], "message": "Number too big"})
        _validate(h, issues)
    raw = secrets.token_hex(32)
    with h.state.lock:
        _, ua = _ua_of(h, m.group("id"))
        row = ClientSecret(
            str(uuid.uuid4()),
            h.state.hash_secret(raw),
            raw[:4],
            ttl,
            int(body.get("numUsesLimit", 0)),
            str(body.get("description", "")),
        )
        ua.client_secrets[row.id] = row
    return 200, {"clientSecret": raw, "clientSecretData": row.as_json(ua.id)}


def list_client_secrets(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    _org_user(h, actor)
    _, ua = _ua_of(h, m.group("id"))
    rows = [s.as_json(ua.id) for s in ua.client_secrets.values() if not s.revoked]
    return 200, {"clientSecretData": rows}


def revoke_client_secret(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    _org_user(h, actor)
    with h.state.lock:
        _, ua = _ua_of(h, m.group("id"))
        row = ua.client_secrets.get(m.group("secret"))
        if row is None:
            raise HTTPAnswer(404, "Failed to find identity client secret", "NotFound")
        row.revoked = True
    return 200, {"clientSecretData": row.as_json(ua.id)}


def ua_login(h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    body = _object(h, body)
    issues: list[dict[str, Any]] = []
    _expect(issues, body.get("clientId", _MISSING), "string", ["clientId"])
    _expect(issues, body.get("clientSecret", _MISSING), "string", ["clientSecret"])
    _validate(h, issues)
    now = time.time()
    with h.state.lock:
        found = next(
            (i for i in registry(h).by_id.values() if i.ua is not None and i.ua.client_id == body["clientId"]), None
        )
        wanted = h.state.hash_secret(body["clientSecret"])
        secret = None
        if found is not None and found.ua is not None:
            secret = next((s for s in found.ua.client_secrets.values() if s.secret_hash == wanted), None)
        if found is None or found.ua is None or secret is None or secret.revoked:
            raise HTTPAnswer(401, "Invalid credentials", "UnauthorizedError")
        if secret.expired(now):
            raise HTTPAnswer(401, "Access denied due to expired client secret", "UnauthorizedError")
        token_id = str(uuid.uuid4())
        registry(h).access_tokens[token_id] = AccessToken(found.id, secret.id)
        ttl = found.ua.settings["accessTokenTTL"]
    token = h.state.issue_jwt(
        token_type="identityAccessToken",
        identity_id=found.id,
        expires_in=ttl or MAX_TTL,
        extra={"identityAccessTokenId": token_id, "clientSecretId": secret.id},
    )
    return 200, {
        "accessToken": token,
        "expiresIn": ttl,
        "accessTokenMaxTTL": found.ua.settings["accessTokenMaxTTL"],
        "tokenType": "Bearer",
    }


def revoke_access_token(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    body = _object(h, body)
    issues: list[dict[str, Any]] = []
    _expect(issues, body.get("accessToken", _MISSING), "string", ["accessToken"])
    _validate(h, issues)
    claims = h.state.verify_jwt(body["accessToken"]) or {}
    issued = registry(h).access_tokens.get(str(claims.get("identityAccessTokenId", "")))
    if issued is None:
        raise HTTPAnswer(401, "Failed to authorize identity access token", "UnauthorizedError")
    issued.revoked = True
    return 200, {"message": "Successfully revoked access token"}


# ---------------------------------------------------------------------- memberships


def add_membership(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    project_id = m.group("project")
    _admin_of(h, actor, project_id)
    body = _object(h, body if body is not None else {})
    roles = body.get("roles") or [{"role": body.get("role", "no-access")}]
    if not isinstance(roles, list) or any(not isinstance(r, dict) or r.get("role") != "no-access" for r in roles):
        raise h.permission_denied("grant-privileges", "identity")
    with h.state.lock:
        identity = _identity(h, m.group("identity"))
        if project_id in identity.memberships:
            raise HTTPAnswer(400, f"Identity with id {identity.id} already exists in project", "BadRequest")
        membership = str(uuid.uuid4())
        identity.memberships[project_id] = membership
    now = now_iso()
    answer = {"id": membership, "projectId": project_id, "identityId": identity.id, "createdAt": now, "updatedAt": now}
    return 200, {"identityMembership": answer}


def remove_membership(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    project_id = m.group("project")
    _admin_of(h, actor, project_id)
    with h.state.lock:
        identity = _identity(h, m.group("identity"))
        membership = identity.memberships.pop(project_id, None)
        if membership is None:
            raise HTTPAnswer(404, "Failed to find identity membership", "NotFound")
        identity.privileges = [p for p in identity.privileges if p.project_id != project_id]
    return 200, {"identityMembership": {"id": membership, "projectId": project_id, "identityId": identity.id}}


# ---------------------------------------------------------------------- privileges


def _check_condition(
    h: Handler, value: Any, where: list[Any], issues: list[dict[str, Any]], *, path_like: bool, new: bool
) -> None:
    """A condition is a string (equality) or ``{$eq,$ne,$in,$glob}``; 2026: a ``$glob`` must not be empty
    (422 ``String must contain at least 1 character(s)``) and must parse."""
    if isinstance(value, str):
        return
    if not isinstance(value, dict) or not value or any(k not in ("$eq", "$ne", "$in", "$glob") for k in value):
        issues.append({"code": "invalid_union", "path": where, "message": "Invalid input"})
        return
    glob = value.get("$glob")
    if glob is None:
        return
    if not isinstance(glob, str):
        _expect(issues, glob, "string", [*where, "$glob"])
        return
    if new and glob == "":
        issues.append(
            {
                "code": "too_small",
                "minimum": 1,
                "type": "string",
                "inclusive": True,
                "exact": False,
                "message": "String must contain at least 1 character(s)",
                "path": [*where, "$glob"],
            }
        )
        return
    if path_like:
        try:
            compile_glob(glob)
        except GlobSyntaxError:
            issues.append({"code": "custom", "path": [*where, "$glob"], "message": "Invalid glob pattern"})


def _rules(h: Handler, permissions: Any, *, one_action: bool) -> list[dict[str, Any]]:
    """The rules of a privilege, validated; 2024 (``one_action``) takes one action string per rule and an array
    is a validation failure, 2026 takes an array."""
    issues: list[dict[str, Any]] = []
    new = h.state.mode == "new"
    if not _expect(issues, permissions, "array", ["permissions"]):
        _validate(h, issues)
    rules: list[dict[str, Any]] = []
    for i, rule in enumerate(permissions):
        if not _expect(issues, rule, "object", ["permissions", i]):
            continue
        if rule.get("subject") not in SUBJECTS:
            issues.append({"code": "invalid_union_discriminator", "path": ["permissions", i, "subject"]})
            continue
        action = rule.get("action")
        if one_action:
            if not _expect(issues, action, "string", ["permissions", i, "action"]):
                continue
            actions = [action]
        else:
            if not _expect(issues, action, "array", ["permissions", i, "action"]):
                continue
            actions = list(action)
        if any(a not in ACTIONS for a in actions):
            issues.append({"code": "invalid_enum_value", "path": ["permissions", i, "action"]})
            continue
        conditions = rule.get("conditions") or {}
        if not isinstance(conditions, dict):
            _expect(issues, conditions, "object", ["permissions", i, "conditions"])
            continue
        if one_action and not isinstance(conditions.get("environment", ""), str):
            # the v1 ProjectPermissionSchema has ``environment: z.string()``: an operator object is refused
            _expect(issues, conditions["environment"], "string", ["permissions", i, "conditions", "environment"])
            continue
        for key, value in conditions.items():
            _check_condition(
                h, value, ["permissions", i, "conditions", key], issues, path_like=key == "secretPath", new=new
            )
        if "read" in actions and ({"describeSecret", "readValue"} & set(actions)):
            raise HTTPAnswer(
                400, "You cannot combine the legacy read action with describeSecret or readValue", "BadRequest"
            )
        rules.append({"subject": rule["subject"], "action": actions, "conditions": conditions})
    _validate(h, issues)
    return rules


def _seconds(text: str) -> int:
    """A ``temporaryRange`` as seconds (ms's units: ``s``, ``m``, ``h``, ``d``)."""
    found = re.fullmatch(r"(\d+)\s*(s|m|h|d)?", text.strip())
    if found is None:
        raise HTTPAnswer(400, "Invalid temporary range", "BadRequest")
    return int(found.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[found.group(2) or "s"]


def _temporary(h: Handler, source: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
    """(start, end, the fields as given) of a relative temporary privilege."""
    if source.get("temporaryMode") != "relative":
        raise h.validation_failure([{"code": "invalid_literal", "expected": "relative", "path": ["temporaryMode"]}])
    start_text = source.get("temporaryAccessStartTime")
    range_text = source.get("temporaryRange")
    if not isinstance(start_text, str) or not isinstance(range_text, str):
        raise h.validation_failure([{"code": "invalid_type", "path": ["temporaryRange"], "message": "Required"}])
    try:
        start = datetime.fromisoformat(start_text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise h.validation_failure([{"code": "invalid_string", "path": ["temporaryAccessStartTime"]}]) from None
    fields = {k: source[k] for k in ("temporaryMode", "temporaryRange", "temporaryAccessStartTime")}
    return start, start + _seconds(range_text), fields


def _grant(
    h: Handler,
    actor: Actor | None,
    identity_id: str,
    project_id: str,
    slug: str,
    rules: list[dict[str, Any]],
    temporary: dict[str, Any] | None,
) -> Privilege:
    actor = h.require(actor, "user")
    _admin_of(h, actor, project_id)  # an admin holds every permission it grants (the permission boundary)
    start, end, fields = _temporary(h, temporary) if temporary is not None else (None, None, {})
    with h.state.lock:
        identity = _identity(h, identity_id)
        if project_id not in identity.memberships:
            raise HTTPAnswer(404, f"Failed to find identity with id {identity_id}", "NotFound")
        if any(p.slug == slug and p.project_id == project_id for p in identity.privileges):
            raise HTTPAnswer(400, f"Additional privilege with name {slug} exists", "BadRequest")
        privilege = Privilege(str(uuid.uuid4()), slug, project_id, rules, end, start, fields)
        identity.privileges.append(privilege)
    return privilege


def grant_v2(h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    """2026: ``POST /api/v2/identity-project-additional-privilege``."""
    h.require(actor, "user")
    body = _object(h, body)
    issues: list[dict[str, Any]] = []
    _expect(issues, body.get("identityId", _MISSING), "string", ["identityId"])
    _expect(issues, body.get("projectId", _MISSING), "string", ["projectId"])
    kind = body.get("type", {"isTemporary": False})
    _expect(issues, kind, "object", ["type"])
    _validate(h, issues)
    rules = _rules(h, body.get("permissions", _MISSING), one_action=False)
    slug = body.get("slug") or f"privilege-{secrets.token_hex(4)}"
    temporary = kind if kind.get("isTemporary") else None
    privilege = _grant(h, actor, body["identityId"], body["projectId"], slug, rules, temporary)
    return 200, {"privilege": privilege.as_json("new")}


def grant_v1(h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    """2024: ``POST /api/v1/additional-privilege/identity/permanent|temporary``, the project by slug."""
    h.require(actor, "user")
    body = _object(h, body)
    issues: list[dict[str, Any]] = []
    for key in ("identityId", "projectSlug", "slug"):
        _expect(issues, body.get(key, _MISSING), "string", [key])
    _validate(h, issues)
    rules = _rules(h, body.get("permissions", _MISSING), one_action=True)
    project = next((p for p in h.state.projects.values() if p.slug == body["projectSlug"]), None)
    if project is None:
        raise HTTPAnswer(404, f"Failed to find project with slug {body['projectSlug']}", "NotFound")
    temporary = body if m.group("kind") == "temporary" else None
    privilege = _grant(h, actor, body["identityId"], project.id, body["slug"], rules, temporary)
    return 200, {"privilege": privilege.as_json("old")}


def delete_privilege_v2(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    with h.state.lock:
        for identity in registry(h).by_id.values():
            for privilege in identity.privileges:
                if privilege.id == m.group("id"):
                    _admin_of(h, actor, privilege.project_id)
                    identity.privileges.remove(privilege)
                    return 200, {"privilege": privilege.as_json("new")}
    raise HTTPAnswer(404, "Failed to find privilege", "NotFound")


# ---------------------------------------------------------------------- reads governed by privileges


def _current_rules(identity: MachineIdentity, project_id: str, cache: float) -> list[dict[str, Any]]:
    """The identity's rules in a project as the server holds them: re-read at most every ``cache`` seconds, and
    only the privileges active when they were read (so a privilege added, or ended, shows up to ``cache`` late)."""
    now = time.time()
    cached = identity.cache.get(project_id)
    if cached is not None and now - cached[0] < cache:
        return cached[1]
    rules = [r for p in identity.privileges if p.project_id == project_id and p.active(now) for r in p.rules]
    identity.cache[project_id] = (now, rules)
    return rules


def _equals(condition: Any, value: str) -> bool:
    if isinstance(condition, str):
        return condition == value
    if "$eq" in condition and condition["$eq"] != value:
        return False
    if "$ne" in condition and condition["$ne"] == value:
        return False
    if "$in" in condition and value not in condition["$in"]:
        return False
    if "$glob" in condition:
        glob = condition["$glob"]
        if glob == "":
            return False  # 2026 guards the blank glob; 2024 never stores one through these routes
        try:
            return compile_glob(glob)(value)
        except GlobSyntaxError:
            return False
    return True


def identity_read(h: Handler, actor: Actor, project_id: str, environment: str, path: str) -> bool | None:
    """Whether a Universal Auth identity may read this folder; None when it is not one (the caller applies the
    project rules). Not a member: 403 ``ProjectMembershipNotFound``. No read rule on secrets at all: 403
    ``PermissionDenied`` (both servers); a rule but none matching: 2024 403, 2026 False (an empty list)."""
    identity = registry(h).by_id.get(actor.id)
    if identity is None:
        return None
    if project_id not in identity.memberships:
        raise HTTPAnswer(
            403,
            f"You are not a member of this project with ID {project_id}. Please assign this identity to the "
            "project with the appropriate permissions, then try again.",
            "ProjectMembershipNotFound",
        )
    rules = [
        r
        for r in _current_rules(identity, project_id, registry(h).permission_cache)
        if r["subject"] == "secrets" and ({"read", "describeSecret"} & set(r["action"]))
    ]
    new = h.state.mode == "new"
    if not rules:
        raise h.permission_denied("describeSecret" if new else "read", "secrets")
    for rule in reversed(rules):
        conditions = rule["conditions"]
        if "environment" in conditions and not _equals(conditions["environment"], environment):
            continue
        if "secretPath" in conditions and not _equals(conditions["secretPath"], path):
            continue
        return True
    if not new:
        raise h.permission_denied("read", "secrets")
    return False


BOTH: tuple[Mode, ...] = ("old", "new")
NEW: tuple[Mode, ...] = ("new",)
OLD: tuple[Mode, ...] = ("old",)
UA = r"/api/v1/auth/universal-auth/identities/(?P<id>[^/]+)"
IDENTITY_ROUTES: list[tuple[str, re.Pattern[str], tuple[Mode, ...], Any]] = [
    ("POST", re.compile(r"/api/v1/identities"), BOTH, create_identity),
    ("GET", re.compile(r"/api/v2/organizations/(?P<org>[^/]+)/identity-memberships"), BOTH, list_org_identities),
    ("DELETE", re.compile(r"/api/v1/identities/(?P<id>[^/]+)"), BOTH, delete_identity),
    ("POST", re.compile(UA), BOTH, attach_ua),
    ("DELETE", re.compile(UA), BOTH, remove_ua),
    ("POST", re.compile(UA + "/client-secrets"), BOTH, create_client_secret),
    ("GET", re.compile(UA + "/client-secrets"), BOTH, list_client_secrets),
    ("POST", re.compile(UA + r"/client-secrets/(?P<secret>[^/]+)/revoke"), BOTH, revoke_client_secret),
    ("POST", re.compile(r"/api/v1/auth/universal-auth/login"), BOTH, ua_login),
    ("POST", re.compile(r"/api/v1/auth/token/revoke"), BOTH, revoke_access_token),
    (
        "POST",
        re.compile(r"/api/v1/projects/(?P<project>[^/]+)/memberships/identities/(?P<identity>[^/]+)"),
        NEW,
        add_membership,
    ),
    (
        "DELETE",
        re.compile(r"/api/v1/projects/(?P<project>[^/]+)/memberships/identities/(?P<identity>[^/]+)"),
        NEW,
        remove_membership,
    ),
    (
        "POST",
        re.compile(r"/api/v2/workspace/(?P<project>[^/]+)/identity-memberships/(?P<identity>[^/]+)"),
        BOTH,
        add_membership,
    ),
    (
        "DELETE",
        re.compile(r"/api/v2/workspace/(?P<project>[^/]+)/identity-memberships/(?P<identity>[^/]+)"),
        BOTH,
        remove_membership,
    ),
    ("POST", re.compile(r"/api/v2/identity-project-additional-privilege"), NEW, grant_v2),
    ("DELETE", re.compile(r"/api/v2/identity-project-additional-privilege/(?P<id>[^/]+)"), NEW, delete_privilege_v2),
    ("POST", re.compile(r"/api/v1/additional-privilege/identity/(?P<kind>permanent|temporary)"), BOTH, grant_v1),
]
