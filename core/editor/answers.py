"""What the editor features answer with: findings, completions, hovers and actions, as plain values.

Positions are character offsets into the document text; the language server and ``check`` convert them.
"""

from __future__ import annotations

import re
from typing import Literal

from ..errors import server_text
from ..needs import Need
from ..problems import Severity, sentences
from ..record import record

DOMAINS = (
    ("https://app.infisical.com", "Infisical Cloud (US)"),
    ("https://eu.infisical.com", "Infisical Cloud (EU)"),
)


@record
class Edit:
    start: int
    end: int
    text: str


@record
class Finding:
    severity: Severity
    code: str
    message: str
    start: int
    end: int
    hint: str = ""
    fix: Edit | None = None
    fix_title: str = ""

    @property
    def text(self) -> str:
        return sentences(self.message, self.hint)


@record
class Completion:
    label: str
    new_text: str
    start: int
    end: int
    kind: Literal["environment", "folder", "flag", "value", "project", "key", "command"]
    detail: str = ""
    documentation: str = ""
    filter_text: str | None = None
    sort_text: str | None = None
    retrigger: bool = False  # ask the editor for the next level at once (e.g. after "dev:")
    snippet: bool = False


@record
class Completions:
    items: list[Completion]
    incomplete: bool = False
    wants: tuple[Need, ...] = ()  # folder listings the answer lacked: a face asks its catalog to read them


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_text(text: str) -> str:
    """Plain text (help, names from the server) set into a Markdown hover: an editor renders ``<env-slug>`` as
    an HTML tag and drops it, and ``*`` or ``_`` in a name as emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def md_code(text: str) -> str:
    """Inline code that survives backticks inside it (a folder may be named anything), with no control
    characters (a cached or served name may hold a terminal escape)."""
    text = server_text(text)
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


@record
class HoverInfo:
    markdown: str
    start: int
    end: int


@record
class CreateRequest:
    """A create command found in a document, as the "Create service token" action will run it."""

    argv: tuple[str, ...]
    start: int
    end: int


@record
class Action:
    title: str
    kind: Literal["quickfix", "create"]
    edit: Edit | None = None
    code: str = ""
    create: CreateRequest | None = None
    preferred: bool = False
