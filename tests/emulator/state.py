"""The emulator's data: projects, environments, folders, users, service tokens, and how to mint credentials.

Behaviour follows real Infisical servers as captured (see tests/emulator/README.md). Two generations
are emulated: ``"old"`` (2024: validation answers 401, no ``reqId``, rate limit answers 500, tokens
listed under ``/api/v1/workspace``) and ``"new"`` (2026: 422, ``reqId``, 429, ``/api/v1/projects``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

Mode = Literal["old", "new"]
Role = Literal["admin", "viewer"]

ORG_ID = "e41c6455-dff6-4371-991a-e7eeb646c403"


def now_iso(at: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if at is None else at, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Secret:
    """One shared secret in a folder; ``id`` is derived from where it lives, so a seed is the same every run."""

    key: str
    value: str
    id: str
    created_at: str


def seed_secret(project_id: str, env_slug: str, path: str) -> Secret:
    """The one secret every folder gets: ``<FOLDER>_KEY`` (``ROOT_KEY`` at ``/``) whose value says where it is,
    ``<env><path>:<KEY>`` (``dev/backend:BACKEND_KEY``, as seeded on the real servers the captures came from)."""
    name = path.rstrip("/").rsplit("/", 1)[-1] or "root"
    key = re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_KEY"
    secret_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"infisical-emulator:{project_id}:{env_slug}:{path}:{key}"))
    return Secret(key=key, value=f"{env_slug}{path}:{key}", id=secret_id, created_at=SEED_TIME)


SEED_TIME = "2026-11-30T13:11:37.826Z"


@dataclass
class Environment:
    name: str
    slug: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    folders: dict[str, str] = field(default_factory=dict)  # full path -> folder id ("/" is the root)
    secrets: dict[str, list[Secret]] = field(default_factory=dict)  # folder path -> its secrets, in order


@dataclass
class Project:
    name: str
    slug: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    environments: list[Environment] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)

    def env(self, slug: str) -> Environment | None:
        return next((e for e in self.environments if e.slug == slug), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "autoCapitalization": True,
            "orgId": ORG_ID,
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            "version": 3,
            "upgradeStatus": None,
            "pitVersionLimit": 10,
            "kmsCertificateKeyId": None,
            "auditLogsRetentionDays": None,
            "_id": self.id,
            "environments": [{"name": e.name, "slug": e.slug, "id": e.id} for e in self.environments],
        }


@dataclass
class User:
    email: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    roles: dict[str, Role] = field(default_factory=dict)  # project id -> role


@dataclass
class ServiceTokenRow:
    id: str
    name: str
    project_id: str
    scopes: list[dict[str, str]]
    permissions: list[str]
    expires_at: float | None
    secret_hash: str
    encrypted_key: str
    iv: str
    tag: str
    created_by: str
    created_at: float = field(default_factory=time.time)
    used_at: float | None = None  # the last use; it shows as lastUsed only ``last_used_delay`` seconds later
    last_used_delay: float = 0.0

    @property
    def last_used(self) -> float | None:
        if self.used_at is None or time.time() - self.used_at < self.last_used_delay:
            return None
        return self.used_at

    def sanitized(self, mode: Mode) -> dict[str, Any]:
        """The row as the server shows it; 2026 rows also carry ``expiryNotificationSent``."""
        row: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "scopes": [{"secretPath": s["secretPath"], "environment": s["environment"]} for s in self.scopes],
            "permissions": list(self.permissions),
            "lastUsed": None if self.last_used is None else now_iso(self.last_used),
            "expiresAt": None if self.expires_at is None else now_iso(self.expires_at),
            "createdAt": now_iso(self.created_at),
            "updatedAt": now_iso(self.created_at),
            "createdBy": self.created_by,
            "projectId": self.project_id,
        }
        if mode == "new":
            row["expiryNotificationSent"] = False
        return row


LAST_USED_DELAY = 60.0  # the 2024 server wrote lastUsed about 59 s after a use (a queued job), not in the request


class EmulatorState:
    """Everything the emulated server knows; guarded by one lock because handlers run in threads."""

    def __init__(self, mode: Mode = "new", *, last_used_delay: float = LAST_USED_DELAY) -> None:
        self.mode: Mode = mode
        self.last_used_delay = last_used_delay
        self.lock = threading.RLock()
        self.signing_key = secrets.token_bytes(32)
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.identities: dict[str, dict[str, Role]] = {}
        self.tokens: dict[str, ServiceTokenRow] = {}

    # ------------------------------------------------------------------ seeding
    def add_project(
        self, name: str, environments: list[tuple[str, str]], folders: dict[str, list[str]] | None = None
    ) -> Project:
        with self.lock:
            project = Project(name=name, slug=name.lower().replace(" ", "-"))
            for env_name, slug in environments:
                env = Environment(name=env_name, slug=slug)
                env.folders["/"] = str(uuid.uuid4())
                env.secrets["/"] = [seed_secret(project.id, slug, "/")]
                project.environments.append(env)
            for slug, paths in (folders or {}).items():
                assert project.env(slug) is not None, slug
                for path in paths:
                    self.add_folder(project, slug, path)
            self.projects[project.id] = project
            return project

    def add_folder(self, project: Project, env_slug: str, path: str) -> None:
        env = project.env(env_slug)
        assert env is not None
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:depth])
            if folder not in env.folders:
                env.folders[folder] = str(uuid.uuid4())
                env.secrets[folder] = [seed_secret(project.id, env_slug, folder)]

    def add_secret(self, project: Project, env_slug: str, path: str, key: str, value: str) -> Secret:
        """One more secret in a folder (created with its parents when missing)."""
        with self.lock:
            self.add_folder(project, env_slug, path)
            env = project.env(env_slug)
            assert env is not None
            folder = "/" + "/".join(p for p in path.split("/") if p)
            secret = Secret(key=key, value=value, id=str(uuid.uuid4()), created_at=now_iso())
            env.secrets.setdefault(folder, []).append(secret)
            return secret

    def add_user(self, email: str, roles: dict[str, Role]) -> User:
        with self.lock:
            user = User(email=email, roles=dict(roles))
            self.users[user.id] = user
            return user

    # ------------------------------------------------------------------ credentials
    def issue_jwt(
        self,
        user: User | None = None,
        *,
        expires_in: float = 3600,
        organization: bool = True,
        token_type: str = "accessToken",
        identity_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A signed JWT shaped like Infisical's (claims from backend auth-type.ts)."""
        claims: dict[str, Any] = {
            "authTokenType": token_type,
            "authMethod": "email",
            "tokenVersionId": str(uuid.uuid4()),
            "accessVersion": 1,
            "iat": int(time.time()),
            "exp": int(time.time() + expires_in),
        }
        if user is not None:
            claims["userId"] = user.id
        if identity_id is not None:
            claims["identityId"] = identity_id
        if organization:
            claims["organizationId"] = ORG_ID
        claims.update(extra or {})
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signature = _b64url(hmac.new(self.signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def add_identity(self, roles: dict[str, Role]) -> str:
        identity_id = str(uuid.uuid4())
        self.identities[identity_id] = dict(roles)
        return self.issue_jwt(token_type="identityAccessToken", identity_id=identity_id)

    @staticmethod
    def jwt_claims_unverified(token: str) -> dict[str, Any] | None:
        """The claims of anything shaped like a JWT, signature not checked (to tell forged from malformed)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None

    def verify_jwt(self, token: str) -> dict[str, Any] | None:
        """Claims of a JWT this emulator signed, or None when it is malformed or forged."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = _b64url(hmac.new(self.signing_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            return None
        try:
            claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        return claims

    @staticmethod
    def hash_secret(secret: str) -> str:
        return "$emulator-sha256$" + hashlib.sha256(secret.encode()).hexdigest()
