"""A span of seconds in words (``1 day 12 hours``): for the token tables and the audit's findings alike."""

from __future__ import annotations

UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(seconds: float, parts: int = 1) -> str:
    """``56 seconds``, ``40 minutes``, ``1 day 12 hours``: whole units, never rounded up."""
    left, words = int(abs(seconds)), list[str]()
    for unit, size in UNITS:
        count = left // size
        if count and len(words) < parts:
            words.append(f"{count} {unit}{'s' if count != 1 else ''}")
            left -= count * size
        elif words:
            break  # "1 day 5 minutes" says less than "1 day"
    return " ".join(words) or "0 seconds"
