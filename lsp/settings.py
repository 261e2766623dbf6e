"""Typed server settings, from initialization options and ``workspace/configuration`` (section "infisical")."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    api_url: str | None = None  # overrides the API URL, like --domain (a user choice, not the repository's)
    project_id: str | None = None  # overrides .infisical.json
    offline: bool = False  # never call the API: syntax checks only
    diagnostics: bool = True
    client_handles_tokens: bool = False  # our VS Code extension: return created tokens to it, write nothing
    token_file: str = ".env"  # other editors: where a created token may go, if .gitignore covers it

    @staticmethod
    def from_json(data: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
        """Settings from camelCase JSON; wrong types keep the previous value and are reported."""
        current = base or Settings()
        if not isinstance(data, dict):
            return current, [] if data is None else [f"settings must be an object, not {type(data).__name__}"]
        values: dict[str, Any] = {}
        problems: list[str] = []
        defaults = Settings()
        for f in fields(Settings):
            camel = "".join(part if i == 0 else part.capitalize() for i, part in enumerate(f.name.split("_")))
            if camel not in data:
                continue
            value, default = data[camel], getattr(defaults, f.name)
            if isinstance(default, bool):
                if isinstance(value, bool):
                    values[f.name] = value
                else:
                    problems.append(f"setting '{camel}' must be true or false; ignored")
            elif value is None or (isinstance(value, str) and not value.strip()):
                values[f.name] = default
            elif isinstance(value, str):
                values[f.name] = value.strip()
            else:
                problems.append(f"setting '{camel}' must be a string; ignored")
        merged = {f.name: values.get(f.name, getattr(current, f.name)) for f in fields(Settings)}
        return Settings(**merged), problems
