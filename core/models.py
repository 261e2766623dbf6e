"""What the server tells us about projects, environments and service tokens, as typed values.

Kept apart from the HTTP client so that readers (the catalog, the language server's start-up) do not
pay for importing ``requests``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from .record import field, record

Generation = Literal["2024", "2026"]  # the Infisical server's generation, as learnt from the routes it has


def parse_time(text: str | None) -> float | None:
    """A server date (ISO 8601, ``Z`` for UTC) as a timestamp; None when absent or not a date."""
    if not text:
        return None
    from datetime import datetime  # imported by the first date read: an offline check reads none

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def printable(text: str) -> str:
    """``text`` safe for a terminal: every control or formatting character (ESC, BEL, U+202E) becomes a space, so a
    name cannot move the cursor, retitle the window or reverse what follows, and columns stay where they were."""
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def _text(value: Any) -> str:
    """A server value as display text (anything not a plain string or number counts as absent)."""
    if isinstance(value, str):
        head = value[:500]
        return printable(head)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _optional(value: Any) -> str | None:
    return _text(value) or None


def _expiry(value: Any) -> str | None:
    """``expiresAt``: only null (or absent) means never. Anything else that is not a date (``""``, a number, an
    object) is kept as shown text, so that it reads as an unknown expiry (rotate and migrate refuse it), not never."""
    if value is None:
        return None
    text = value if isinstance(value, str) and value.strip() else json.dumps(value, default=str)
    return printable(text[:100])


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


@record
class Environment:
    """A project's environment: its slug is what a scope names."""

    name: str
    slug: str
    id: str = ""


@record
class ProjectInfo:
    """A project as the server describes it, with the environments a scope may name."""

    id: str
    name: str
    slug: str
    environments: tuple[Environment, ...]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ProjectInfo:
        envs = tuple(
            Environment(_text(e.get("name")), _text(e.get("slug")), _text(e.get("id")))
            for e in _rows(data.get("environments"))
            if _text(e.get("slug"))
        )
        return ProjectInfo(
            _text(data.get("id") or data.get("_id")), _text(data.get("name")), _text(data.get("slug")), envs
        )


@record
class TokenScope:
    """One scope of a token as the server stores it (the path unnormalised: reach.py reads it as the server does)."""

    environment: str
    secret_path: str

    @property
    def text(self) -> str:
        return f"{self.environment}:{self.secret_path}"


@record
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
        raw_permissions = data.get("permissions")
        permissions: list[Any] = raw_permissions if isinstance(raw_permissions, list) else []
        return TokenInfo(
            id=_text(data.get("id") or data.get("_id")),
            name=_text(data.get("name")),
            project_id=_text(data.get("projectId") or data.get("workspace")),
            scopes=tuple(
                TokenScope(_text(s.get("environment")), _text(s.get("secretPath"))) for s in _rows(data.get("scopes"))
            ),
            permissions=tuple(_text(p) for p in permissions if _text(p)),
            expires_at=_expiry(data.get("expiresAt")),
            last_used=_optional(data.get("lastUsed")),
            created_at=_optional(data.get("createdAt")),
            created_by=_optional(data.get("createdBy")),
            creator_email=_optional((user or {}).get("email")),
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


@record
class CreatedToken:
    """The server's answer to a create: ``server_token`` is ``st.<id>.<secret>`` (never in repr)."""

    server_token: str = field(repr=False)
    info: TokenInfo
