"""What a workflow may know about its caller, kept apart from the workflows so that a face can build one
without importing them (``infisical-tokens --help`` must start fast)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .record import field, record

# what ``read_stdin`` may return at most: a service token is about 110 characters, and `view - < /dev/zero`
# must be refused, not fill memory
MAX_STDIN = 4096

if TYPE_CHECKING:
    from .migration import Migrated
    from .outcomes import Created


def _no_stdin() -> str:
    raise UsageError("`-` reads a service token from standard input, which is not available here; give a token ID.")


def _no_confirmation(label: str) -> bool:
    raise UsageError(f"Deleting service token {label} cannot be undone: pass --yes to confirm.")


@record(frozen=False)
class Progress:
    """What a workflow has done that cannot be undone, so a face that fails or is interrupted afterwards can
    tell the truth: a create request left (a token may exist), the token arrived, the token was handed over.

    One per run, shared by every copy of its :class:`Context` (``record.replace`` keeps it).
    """

    create_sent_for: str | None = None  # the project of a create request that has left (a token may exist)
    created: Created | None = field(default=None, repr=False)  # the token, once the server answered with it
    delivered: bool = False  # the token reached the person (printed, stored, written)
    # (token ID, project ID) of rotate's delete of the old token while it is under way: cut short, it may not be done
    deleting: tuple[str, str] | None = None

    @property
    def lost(self) -> bool:
        """A token exists, or may, and the person does not hold it."""
        return self.create_sent_for is not None and not self.delivered


@record
class Context:
    """What a workflow may know about its caller: the process, the user's choices, and how to talk back.

    ``domain`` and ``project_id`` are choices made outside the repository (a setting or a notebook's
    config); a command's own ``--domain``/``--projectId`` wins over them.
    """

    env: Mapping[str, str] = field(repr=False)  # holds INFISICAL_TOKEN: never in a repr or a saved traceback
    cwd: Path
    home: Path
    domain: str | None = None
    domain_from: str = "--domain"  # the setting ``domain`` came from, named in errors about it
    project_id: str | None = None
    # why this caller may not act with the person's credentials (a language-server client over TCP that did
    # not prove it is the owner): every workflow then stops before any credential is read
    credentials_refused: str | None = None
    warn: Callable[[str], None] = field(default=lambda _text: None, compare=False)
    # hands a new token to the person the moment it exists, before anything else can fail (rotate's delete)
    deliver: Callable[[Created], None] = field(default=lambda _created: None, compare=False)
    # writes a migrated identity's credentials before the old token's delete is tried; True when it wrote them
    # (the face then shows only what became of the token); raises when they could not be written
    hand_over: Callable[[Migrated], bool] = field(default=lambda _done: False, compare=False)
    confirm: Callable[[str], bool] = field(default=_no_confirmation, compare=False)
    read_stdin: Callable[[], str] = field(default=_no_stdin, compare=False)
    progress: Progress = field(default_factory=Progress, compare=False, repr=False)
    # what the command waits for or retries, for a person watching (the CLI shows it on a terminal's stderr)
    waiting: Callable[[str], None] | None = field(default=None, compare=False)

    @staticmethod
    def of_process(**choices: Any) -> Context:
        return Context(dict(os.environ), Path.cwd(), Path.home(), **choices)
