"""Which of a project's tokens a person means: an ID, or a unique prefix of one (as ``list`` shows them)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import UsageError
from .models import TokenInfo


def find_token(tokens: Sequence[TokenInfo], wanted: str, project_id: str) -> TokenInfo:
    """A token by ID, or by a unique ID prefix of at least 4 characters."""
    exact = [t for t in tokens if t.id == wanted]
    if exact:
        return exact[0]
    if len(wanted) < 4:
        raise UsageError(f"'{wanted}' is too short to find a token: give its ID, or at least 4 characters of it.")
    prefixed = [t for t in tokens if t.id.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise UsageError(f"'{wanted}' matches {len(prefixed)} tokens in project {project_id}; give more of the ID.")
    raise UsageError(f"No service token with ID '{wanted}' in project {project_id}. Run `list` to see the IDs.")
