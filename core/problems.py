"""One shape for everything that can be wrong with a command line or a file.

The command line prints problems, the language server turns them into diagnostics and quick fixes,
``infisical-tokens check`` lists them: one list of results, three presentations.
"""

from __future__ import annotations

from typing import Literal

from .record import record

Severity = Literal["error", "warning", "info"]


def sentences(*parts: str) -> str:
    """Message and hint as sentences: each ends with a full stop (unless it ends a sentence already)."""
    done = [p.strip() for p in parts if p.strip()]
    return " ".join(p if p[-1] in ".!?:" or p.endswith((".'", '."', ".`", ".)", "?'")) else p + "." for p in done)


@record
class Fix:
    """Replace ``[start, end)`` of the same word with ``text``."""

    title: str
    start: int
    end: int
    text: str


@record
class Problem:
    """``word`` is the index of the argv word the problem is in (None: the whole command)."""

    severity: Severity
    code: str
    message: str
    hint: str = ""
    word: int | None = None
    start: int = 0
    end: int = 0
    fix: Fix | None = None

    def text(self) -> str:
        return sentences(self.message, self.hint)

    def shifted(self, word: int | None, offset: int) -> Problem:
        """The same problem, placed in argv word ``word`` at ``offset`` characters in."""
        fix = self.fix
        if fix is not None:
            fix = Fix(fix.title, fix.start + offset, fix.end + offset, fix.text)
        return Problem(
            self.severity, self.code, self.message, self.hint, word, self.start + offset, self.end + offset, fix
        )


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
