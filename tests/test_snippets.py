"""The one-match read of a plain command line alone on its line (``snippets._PLAIN_COMMAND``, the common case in a
large script) reads what the careful lexer reads there: the same words, ending at the same place."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from infisical_tokens.core.lexer import lex
from infisical_tokens.core.snippets import MAX_COMMAND_CHARS, find_commands
from tests.test_robustness import FRAGMENTS

PIECES = [*FRAGMENTS, "infisical", "infisical-tokens", "  ", "\t", "\n", "'", '"', "#", ";", "\\\n", "x", "-tokens"]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=25))
@example(["infisical a'b c' d\n"])
@example(['  infisical -s "dev:/a b"\n'])
@example(["infisical a#b c\n", "infisical x \\\n --y\n"])
def test_every_command_line_found_is_what_the_lexer_reads_there(parts: list[str]) -> None:
    text = "".join(parts)
    for site in find_commands(text, "shell"):
        read = lex(text, site.start, min(len(text), site.start + MAX_COMMAND_CHARS), max_commands=1)[0]
        assert (site.key, site.limit) == (tuple(w.text for w in read.words[1:]), read.stop), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=25))
@example(["infisical service-token create -s dev:/a -a read\n"])
def test_one_word_positioned_alone_is_that_word_of_the_whole_line(parts: list[str]) -> None:
    text = "".join(parts)
    alone, whole = find_commands(text, "shell"), find_commands(text, "shell")
    for one, every in zip(alone, whole, strict=True):
        words = every.words
        assert [one.word(i) for i in range(len(words))] == list(words), text
        with pytest.raises(IndexError):
            one.word(len(words))


def test_a_script_of_plain_lines_is_read_line_by_line() -> None:
    lines = [f"  infisical service-token create --scope=dev:/s{i} -a read\n" for i in range(3)]
    text = "".join(lines) + "infisical-tokens list ; infisical service-token list\n# infisical x\n"
    sites = find_commands(text, "shell")
    assert [site.key[-1] for site in sites] == ["read", "read", "read", "list", "list"]
    assert [site.start for site in sites[:2]] == [2, len(lines[0]) + 2]
    assert text[sites[3].limit] == ";"
