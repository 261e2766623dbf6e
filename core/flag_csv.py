"""A list flag's value read as the Infisical CLI reads it: pflag's ``stringSlice`` takes one CSV record (Go's
``encoding/csv``: comma separated, ``"`` quoting, nothing trimmed), each field keeping its offsets.

Beside the parser (:mod:`command`), not in :mod:`scope`: ``--access-level`` and ``--protected`` are read the same
way, and scopes only read the fields this returns.
"""

from __future__ import annotations

from .problems import Fix, Problem, Severity
from .record import record


@record
class Field:
    """One value and where it sits: ``start``/``end`` in its flag value, and that value's word and offset in argv
    (``word`` None: it did not come from a command line, e.g. an editor's picker)."""

    text: str
    start: int  # offset of the field's first character in the flag value (inside quotes if quoted)
    end: int
    word: int | None = None
    offset: int = 0

    def problem(self, severity: Severity, code: str, message: str, hint: str = "", fix: Fix | None = None) -> Problem:
        """A problem underlining this value in argv (at least one character, so an empty value shows too)."""
        start = self.offset + self.start
        return Problem(
            severity, code, message, hint, self.word, start, self.offset + max(self.end, self.start + 1), fix
        )

    @classmethod
    def whole(cls, text: str, word: int | None = None, offset: int = 0) -> Field:
        """A value that is one field, never split as CSV."""
        return cls(text, 0, len(text), word, offset)


class CsvError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def split_csv(value: str) -> list[Field]:
    """The first record of ``value`` as Go's ``encoding/csv`` reads it (pflag's ``readAsCSV``)."""
    if value == "":
        return []
    fields: list[Field] = []
    if '"' not in value and "\n" not in value:  # no quoting and one line (nearly every scope): plain commas
        start = 0
        for part in value.split(","):
            fields.append(Field(part, start, start + len(part)))
            start += len(part) + 1
        return fields
    return read_csv(value)


def read_csv(value: str) -> list[Field]:
    """``split_csv`` character by character (quotes, doubled quotes, errors with their offset)."""
    fields: list[Field] = []
    i, n = 0, len(value)
    while True:
        if i < n and value[i] == '"':
            start = i + 1
            text = []
            j = start
            while True:
                if j >= n:
                    raise CsvError('extraneous or missing " in quoted-field', j)
                if value[j] == '"':
                    if j + 1 < n and value[j + 1] == '"':
                        text.append('"')
                        j += 2
                        continue
                    break
                text.append(value[j])
                j += 1
            fields.append(Field("".join(text), start, j))
            j += 1
            if j < n and value[j] not in ",\n":
                raise CsvError('extraneous or missing " in quoted-field', j)
            i = j
        else:
            j = i
            while j < n and value[j] not in ",\n":
                if value[j] == '"':
                    raise CsvError('bare " in non-quoted field', j)
                j += 1
            fields.append(Field(value[i:j], i, j))
            i = j
        if i < n and value[i] == ",":
            i += 1
            continue
        return fields


def split_csv_lenient(value: str) -> list[Field]:
    """``split_csv``, or plain comma splitting where the CSV is broken (for hovers while typing)."""
    try:
        return split_csv(value)
    except CsvError:
        fields, start = [], 0
        for part in value.split(","):
            fields.append(Field(part, start, start + len(part)))
            start += len(part) + 1
        return fields


def csv_error_text(flag_label: str, value: str, err: CsvError) -> str:
    """The message cobra prints for a CSV error, e.g. ``invalid argument "a"b" for "-s, --scope" flag: ...``."""
    return f'invalid argument "{value}" for "{flag_label}" flag: parse error on line 1, column {err.offset + 1}: {err}'
