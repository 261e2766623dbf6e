"""What the server tells us about projects, environments and service tokens, as typed values.

Kept apart from the HTTP client so that readers (the catalog, the language server's start-up) do not
pay for importing ``requests``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Environment:
    name: str
    slug: str
    id: str = ""


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    name: str
    slug: str
    environments: tuple[Environment, ...]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ProjectInfo:
        envs = tuple(
            Environment(str(e.get("name", "")), str(e.get("slug", "")), str(e.get("id", "")))
            for e in data.get("environments") or []
        )
        return ProjectInfo(
            str(data.get("id") or data.get("_id") or ""), str(data.get("name", "")), str(data.get("slug", "")), envs
        )


@dataclass(frozen=True)
class TokenScope:
    environment: str
    secret_path: str

    @property
    def text(self) -> str:
        return f"{self.environment}:{self.secret_path}"


@dataclass(frozen=True)
class TokenInfo:
    """A service token's public facts. Built from server rows; ``secretHash`` and key fields are dropped."""

    id: str
    name: str
    project_id: str
    scopes: tuple[TokenScope, ...]
    permissions: tuple[str, ...]
    expires_at: str | None
    last_used: str | None
    created_at: str | None
    created_by: str | None = None
    creator_email: str | None = None

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TokenInfo:
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        return TokenInfo(
            id=str(data.get("id") or data.get("_id") or ""),
            name=str(data.get("name", "")),
            project_id=str(data.get("projectId") or data.get("workspace") or ""),
            scopes=tuple(
                TokenScope(str(s.get("environment", "")), str(s.get("secretPath", "")))
                for s in data.get("scopes") or []
            ),
            permissions=tuple(str(p) for p in data.get("permissions") or []),
            expires_at=data.get("expiresAt"),
            last_used=data.get("lastUsed"),
            created_at=data.get("createdAt"),
            created_by=data.get("createdBy"),
            creator_email=(user or {}).get("email"),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "projectId": self.project_id,
            "scopes": [{"environment": s.environment, "secretPath": s.secret_path} for s in self.scopes],
            "permissions": list(self.permissions),
            "expiresAt": self.expires_at,
            "lastUsed": self.last_used,
            "createdAt": self.created_at,
            "createdBy": self.created_by,
            **({"creatorEmail": self.creator_email} if self.creator_email else {}),
        }


@dataclass(frozen=True)
class CreatedToken:
    """The server's answer to a create: ``server_token`` is ``st.<id>.<secret>`` (never in repr)."""

    server_token: str = field(repr=False)
    info: TokenInfo
