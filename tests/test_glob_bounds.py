"""``glob.unbounded_reason`` skips its per-character walks when a glob has no bracket and few stars: every shape it
refuses must still be refused, with the same reason, and the shapes it allows still allowed."""

from __future__ import annotations

import pytest

from infisical_tokens.core.glob import unbounded_reason


@pytest.mark.parametrize(
    ("glob", "reason"),
    [
        ("/backend/**", None),
        ("/a*/b*/c*/d*/e*", None),  # five stars, none of its folder names has more than four
        ("/**/**/**", None),  # "**" segments never count
        ("/*a*a*a*a", None),
        ("/*a*a*a*a*a", "the folder name pattern '*a*a*a*a*a' has more than 4 '*'"),
        ("/x/*a*a*a*a*b/y", "the folder name pattern '*a*a*a*a*b' has more than 4 '*'"),
        ("/{{{{a}}}}", None),
        ("/{{{{{a}}}}}", "it nests brackets 5 deep (at most 4)"),
        ("/([{(a)}])/[[[[[b", "it nests brackets 5 deep (at most 4)"),  # unclosed ones count too
        ("/+(*)", "the repeated group '+(*)' can match anything, so matching backtracks without end"),
        ("/*(a|b)", None),
        ("/a/" + "b" * 600, "it is longer than 512 characters"),
    ],
)
def test_unbounded_shapes_are_refused_with_their_reason(glob: str, reason: str | None) -> None:
    assert unbounded_reason(glob) == reason
