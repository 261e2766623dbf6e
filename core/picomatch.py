"""A line-by-line port of picomatch 4.0.7's glob-to-regex compiler (lib/parse.js, lib/picomatch.js).

The Infisical server matches service-token scope paths with
``picomatch.isMatch(path, glob, {strictSlashes: false})`` on Linux. Rather than approximate
those semantics, this module reproduces picomatch's *regex source* for exactly those options
(posix slashes, no ``dot``, no ``capture``, no ``bash``), so its quirks come along for free.
:mod:`infisical_tokens.core.jsregex` then turns the JavaScript regex source into a Python one.

Names follow parse.js so the two can be read side by side; the conformance corpus under
``tests/glob/`` checks both the compiled source and the match results against real picomatch.
"""

from __future__ import annotations

import re
from typing import Any

from . import jsregex
from .record import field, record

MAX_LENGTH = 1024 * 64

DOT_LITERAL = "\\."
PLUS_LITERAL = "\\+"
SLASH_LITERAL = "\\/"
ONE_CHAR = "(?=.)"
QMARK = "[^/]"
END_ANCHOR = f"(?:{SLASH_LITERAL}|$)"
START_ANCHOR = f"(?:^|{SLASH_LITERAL})"
DOTS_SLASH = f"{DOT_LITERAL}{{1,2}}{END_ANCHOR}"
NO_DOT = f"(?!{DOT_LITERAL})"
NO_DOT_SLASH = f"(?!{DOT_LITERAL}{{0,1}}{END_ANCHOR})"
NO_DOTS_SLASH = f"(?!{DOTS_SLASH})"
QMARK_NO_DOT = f"[^.{SLASH_LITERAL}]"
STAR = f"{QMARK}*?"
GLOBSTAR = f"(?:(?:(?!{START_ANCHOR}{DOT_LITERAL}).)*?)"

EXTGLOB_CHARS = {
    "!": ("negate", "(?:(?!(?:", f")){STAR})"),
    "?": ("qmark", "(?:", ")?"),
    "+": ("plus", "(?:", ")+"),
    "*": ("star", "(?:", ")*"),
    "@": ("at", "(?:", ")"),
}

POSIX_REGEX_SOURCE = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "ascii": "\\x00-\\x7F",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "\\x21-\\x7E",
    "lower": "a-z",
    "print": "\\x20-\\x7E ",
    "punct": "\\-!\"#$%&'()\\*+,./:;<=>?@[\\]^_`{|}~",
    "space": " \\t\\r\\n\\v\\f",
    "upper": "A-Z",
    "word": "A-Za-z0-9_",
    "xdigit": "A-Fa-f0-9",
}

REPLACEMENTS = {"***": "*", "**/**": "**", "**/**/**": "**"}

_REGEX_NON_SPECIAL_CHARS = re.compile(r"^[^@!\[\].,$*+?^{}()|\\/]+")
_REGEX_SPECIAL_CHARS = re.compile(r"[-*+?.^${}(|)\[\]]")
_REGEX_SPECIAL_CHARS_GLOBAL = re.compile(r"([-*+?.^${}(|)\[\]])")
_REGEX_SPECIAL_CHARS_BACKREF = re.compile(r"(\\?)(([^A-Za-z0-9_])(\3*))")
_FASTPATH_GUARD = re.compile(r"(^[*!]|[/()\[\]{}\"])")
_WORD = "A-Za-z0-9_"


class GlobSyntaxError(ValueError):
    """Raised where picomatch itself throws, so the server would answer 500 when the token is used."""


def escape_regex(text: str) -> str:
    return _REGEX_SPECIAL_CHARS_GLOBAL.sub(r"\\\1", text)


def _has_regex_chars(text: str) -> bool:
    return _REGEX_SPECIAL_CHARS.search(text) is not None


def _escape_last(text: str, char: str, last_idx: int | None = None) -> str:
    end = len(text) if last_idx is None else max(last_idx, 0) + 1
    idx = text.rfind(char, 0, end)
    if idx == -1:
        return text
    if idx > 0 and text[idx - 1] == "\\":
        return _escape_last(text, char, idx - 1)
    return f"{text[:idx]}\\{text[idx:]}"


# ----------------------------------------------------------------------------------------------
# Repeated-extglob analysis (ReDoS guard added in picomatch 4.0.5)
# ----------------------------------------------------------------------------------------------


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    bracket = paren = quote = 0
    value = ""
    escaped = False
    for ch in text:
        if escaped:
            value += ch
            escaped = False
            continue
        if ch == "\\":
            value += ch
            escaped = True
            continue
        if ch == '"':
            quote = 0 if quote == 1 else 1
            value += ch
            continue
        if quote == 0:
            if ch == "[":
                bracket += 1
            elif ch == "]" and bracket > 0:
                bracket -= 1
            elif bracket == 0:
                if ch == "(":
                    paren += 1
                elif ch == ")" and paren > 0:
                    paren -= 1
                elif ch == "|" and paren == 0:
                    parts.append(value)
                    value = ""
                    continue
        value += ch
    parts.append(value)
    return parts


def _is_plain_branch(branch: str) -> bool:
    escaped = False
    for ch in branch:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            continue
        if ch in "?*+@!()[]{}":
            return False
    return True


_SIMPLE_AT = re.compile(r"^@\([^\\()\[\]{}|]+\)$")


def _normalize_simple_branch(branch: str) -> str | None:
    value = branch.strip(jsregex.JS_WHITESPACE)
    while _SIMPLE_AT.match(value):
        value = value[2:-1]
    if not _is_plain_branch(value):
        return None
    return re.sub(r"\\(.)", r"\1", value, flags=re.S)


def _has_repeated_char_prefix_overlap(branches: list[str]) -> bool:
    values = [v for v in map(_normalize_simple_branch, branches) if v]
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            char = a[0]
            if a != char * len(a) or b != char * len(b):
                continue
            if a == b or a.startswith(b) or b.startswith(a):
                return True
    return False


def _parse_repeated_extglob(pattern: str, require_end: bool = True) -> tuple[str, str, int] | None:
    if len(pattern) < 2 or pattern[0] not in "+*" or pattern[1] != "(":
        return None
    bracket = paren = quote = 0
    escaped = False
    for i in range(1, len(pattern)):
        ch = pattern[i]
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            continue
        if ch == '"':
            quote = 0 if quote == 1 else 1
            continue
        if quote == 1:
            continue
        if ch == "[":
            bracket += 1
            continue
        if ch == "]" and bracket > 0:
            bracket -= 1
            continue
        if bracket > 0:
            continue
        if ch == "(":
            paren += 1
            continue
        if ch == ")":
            paren -= 1
            if paren == 0:
                if require_end and i != len(pattern) - 1:
                    return None
                return pattern[0], pattern[2:i], i
    return None


def _star_extglob_sequence_chars(pattern: str) -> list[str] | None:
    index = 0
    chars: list[str] = []
    while index < len(pattern):
        match = _parse_repeated_extglob(pattern[index:], False)
        if not match or match[0] != "*":
            return None
        branches = [b.strip(jsregex.JS_WHITESPACE) for b in _split_top_level(match[1])]
        if len(branches) != 1:
            return None
        branch = _normalize_simple_branch(branches[0])
        if not branch or len(branch) != 1:
            return None
        chars.append(branch)
        index += match[2] + 1
    return chars or None


def _repeated_extglob_recursion(pattern: str) -> int:
    depth = 0
    match = _parse_repeated_extglob(pattern.strip(jsregex.JS_WHITESPACE))
    while match:
        depth += 1
        match = _parse_repeated_extglob(match[1].strip(jsregex.JS_WHITESPACE))
    return depth


def _analyze_repeated_extglob(body: str) -> tuple[bool, str | None]:
    """Return (risky, safe_output) as analyzeRepeatedExtglob does with the default max of 0."""
    branches = [b.strip(jsregex.JS_WHITESPACE) for b in _split_top_level(body)]
    if len(branches) > 1 and (
        any(b == "" for b in branches)
        or any(re.fullmatch(r"[*?]+", b) for b in branches)
        or _has_repeated_char_prefix_overlap(branches)
    ):
        return True, None
    safe_chars: list[str] = []
    saw_star_sequence = False
    combinable = True
    for branch in branches:
        chars = _star_extglob_sequence_chars(branch)
        if chars:
            saw_star_sequence = True
            safe_chars.extend(chars)
            continue
        literal = _normalize_simple_branch(branch)
        if literal and len(literal) == 1:
            safe_chars.append(literal)
            continue
        combinable = False
        if _repeated_extglob_recursion(branch) > 0:
            return True, None
    if saw_star_sequence:
        if not combinable:
            return True, None
        unique = list(dict.fromkeys(safe_chars))
        source = escape_regex(unique[0]) if len(unique) == 1 else "[" + "".join(map(escape_regex, unique)) + "]"
        return True, source + "*"
    return False, None


# ----------------------------------------------------------------------------------------------
# The tokenizer (parse.js `parse`)
# ----------------------------------------------------------------------------------------------


@record(frozen=False, eq=False)
class _Tok:
    """A parsed token, as picomatch's own token objects (mutable: later tokens rewrite earlier ones)."""

    type: str
    value: str = ""
    output: str | None = None
    prev: _Tok | None = None
    extglob: bool = False
    posix: bool = False
    star: bool = False
    dots: bool = False
    comma: bool = False
    suffix: str | None = None
    output_index: int = 0
    tokens_index: int = 0


@record(frozen=False, eq=False)
class _Extglob:
    """An extglob (``@(...)``, ``!(...)``) still open, as picomatch tracks it."""

    type: str
    open: str
    close: str
    prev: _Tok
    parens: int
    output: str
    start_index: int
    tokens_index: int
    inner: str = ""
    conditions: int = 1


@record(frozen=False)
class ParseState:
    """picomatch's parse state, field for field, so that the port can be read beside the original."""

    input: str
    output: str = ""
    negated: bool = False
    index: int = -1
    start: int = 0
    consumed: str = ""
    backtrack: bool = False
    brackets: int = 0
    braces: int = 0
    parens: int = 0
    quotes: int = 0
    tokens: list[Any] = field(default_factory=list)


def _expand_range(args: list[str]) -> str:
    args = sorted(args, key=lambda s: s.encode("utf-16-be"))
    value = "[" + "-".join(args) + "]"
    if jsregex.to_python(value) is None:
        return "..".join(escape_regex(v) for v in args)
    return value


def parse(text: str, fastpaths: bool = True) -> ParseState:
    text = REPLACEMENTS.get(text, text)
    if len(text) > MAX_LENGTH:
        raise GlobSyntaxError(f"Input length: {len(text)}, exceeds maximum allowed length: {MAX_LENGTH}")

    bos = _Tok("bos", "", "")
    tokens: list[_Tok] = [bos]
    state = ParseState(input=text, tokens=tokens)

    if text.startswith("./"):
        text = text[2:]
    length = len(text)

    extglobs: list[_Extglob] = []
    braces: list[_Tok] = []
    stack: list[str] = []
    prev = bos

    def eos() -> bool:
        return state.index == length - 1

    def peek(n: int = 1) -> str:
        i = state.index + n
        return text[i] if 0 <= i < length else ""

    def advance() -> str:
        state.index += 1
        return text[state.index] if state.index < length else ""

    def remaining() -> str:
        return text[state.index + 1 :]

    def consume(value: str = "", num: int = 0) -> None:
        state.consumed += value
        state.index += num

    def append(tok_output: str | None, tok_value: str) -> None:
        state.output += tok_output if tok_output is not None else tok_value
        consume(tok_value)

    def negate() -> None:
        count = 1
        while peek() == "!" and (peek(2) != "(" or peek(3) == "?"):
            advance()
            state.start += 1
            count += 1
        if count % 2 == 0:
            return
        state.negated = True
        state.start += 1

    def increment(kind: str) -> None:
        setattr(state, kind, getattr(state, kind) + 1)
        stack.append(kind)

    def decrement(kind: str) -> None:
        setattr(state, kind, getattr(state, kind) - 1)
        if stack:
            stack.pop()

    def push(tok: _Tok) -> None:
        nonlocal prev
        if prev.type == "globstar":
            is_brace = state.braces > 0 and tok.type in ("comma", "brace")
            is_extglob = tok.extglob or (bool(extglobs) and tok.type in ("pipe", "paren"))
            if tok.type not in ("slash", "paren") and not is_brace and not is_extglob:
                state.output = state.output[: -len(prev.output or "")]
                prev.type = "star"
                prev.value = "*"
                prev.output = STAR
                state.output += prev.output
        if extglobs and tok.type != "paren":
            extglobs[-1].inner += tok.value
        if tok.value or tok.output:
            append(tok.output, tok.value)
        if prev.type == "text" and tok.type == "text":
            prev.output = (prev.output or prev.value) + tok.value
            prev.value += tok.value
            return
        tok.prev = prev
        tokens.append(tok)
        prev = tok

    def extglob_open(kind: str, value: str) -> None:
        _, open_, close = EXTGLOB_CHARS[value]
        token = _Extglob(
            type=kind,
            open=open_,
            close=close,
            prev=prev,
            parens=state.parens,
            output=state.output,
            start_index=state.index,
            tokens_index=len(tokens),
        )
        increment("parens")
        push(_Tok(kind, value, "" if state.output else ONE_CHAR))
        push(_Tok("paren", advance(), open_, extglob=True))
        extglobs.append(token)

    def extglob_close(token: _Extglob, value: str) -> None:
        literal = text[token.start_index : state.index + 1]
        body = text[token.start_index + 2 : state.index]
        risky, safe = _analyze_repeated_extglob(body)
        if token.type in ("plus", "star") and risky:
            safe_output = ("" if token.output else ONE_CHAR) + safe if safe else None
            opened = tokens[token.tokens_index]
            opened.type = "text"
            opened.value = literal
            opened.output = safe_output or escape_regex(literal)
            for t in tokens[token.tokens_index + 1 :]:
                t.value = ""
                t.output = ""
                t.suffix = None
            state.output = token.output + opened.output
            state.backtrack = True
            push(_Tok("paren", value, "", extglob=True))
            decrement("parens")
            return

        output = token.close
        if token.type == "negate":
            extglob_star = STAR
            if token.inner and len(token.inner) > 1 and "/" in token.inner:
                extglob_star = GLOBSTAR
            rest = remaining()
            if extglob_star != STAR or eos() or re.fullmatch(r"\)+", rest):
                output = token.close = f")$)){extglob_star}"
            if "*" in token.inner and rest and re.fullmatch(r"\.[^\\/.]+", rest):
                expression = parse(rest, fastpaths=False).output
                output = token.close = f"){expression}){extglob_star})"
        push(_Tok("paren", value, output, extglob=True))
        decrement("parens")

    # ------------------------------------------------------------------ fast path (no tokenizer)
    if fastpaths and not _FASTPATH_GUARD.search(text):
        backslashes = False

        def repl(m: re.Match[str]) -> str:
            nonlocal backslashes
            esc, chars, first, rest = m.group(1), m.group(2), m.group(3), m.group(4)
            if first == "\\":
                backslashes = True
                return m.group(0)
            if first == "?":
                if esc:
                    return esc + first + (QMARK * len(rest) if rest else "")
                if m.start() == 0:
                    return QMARK_NO_DOT + (QMARK * len(rest) if rest else "")
                return QMARK * len(chars)
            if first == ".":
                return DOT_LITERAL * len(chars)
            if first == "*":
                if esc:
                    return esc + first + (STAR if rest else "")
                return STAR
            return m.group(0) if esc else "\\" + m.group(0)

        output = _REGEX_SPECIAL_CHARS_BACKREF.sub(repl, text)
        if backslashes:
            output = re.sub(r"\\+", lambda m: "\\\\" if len(m.group(0)) % 2 == 0 else "\\", output)
        state.output = f"^(?:{output})$"
        return state

    # ------------------------------------------------------------------ tokenizer
    while not eos():
        if state.index >= length:
            # picomatch itself loops forever here (a run of 4+ backslashes ends the glob): the server would hang.
            raise GlobSyntaxError("picomatch never finishes compiling this pattern (it ends in a run of backslashes)")
        value = advance()

        if value == "\u0000":
            continue

        if value == "\\":
            nxt = peek()
            if nxt == "/":
                continue
            if nxt in (".", ";"):
                continue
            if not nxt:
                value += "\\"
                push(_Tok("text", value))
                continue
            match = re.match(r"\\+", remaining())
            if match and len(match.group(0)) > 2:
                slashes = len(match.group(0))
                state.index += slashes
                if slashes % 2 != 0:
                    value += "\\"
            value += advance()
            if state.brackets == 0:
                push(_Tok("text", value))
                continue

        if state.brackets > 0 and (value != "]" or prev.value in ("[", "[^")):
            if value == ":":
                inner = prev.value[1:]
                if "[" in inner:
                    prev.posix = True
                    if ":" in inner:
                        idx = prev.value.rfind("[")
                        pre = prev.value[:idx]
                        rest = prev.value[idx + 2 :]
                        posix = POSIX_REGEX_SOURCE.get(rest)
                        if posix:
                            prev.value = pre + posix
                            state.backtrack = True
                            advance()
                            if not bos.output and tokens.index(prev) == 1:
                                bos.output = ONE_CHAR
                            continue
            if (value == "[" and peek() != ":") or (value == "-" and peek() == "]"):
                value = "\\" + value
            if value == "]" and prev.value in ("[", "[^"):
                value = "\\" + value
            prev.value += value
            append(None, value)
            continue

        if state.quotes == 1 and value != '"':
            value = escape_regex(value)
            prev.value += value
            append(None, value)
            continue

        if value == '"':
            state.quotes = 0 if state.quotes == 1 else 1
            continue

        if value == "(":
            increment("parens")
            push(_Tok("paren", value))
            continue

        if value == ")":
            extglob = extglobs[-1] if extglobs else None
            if extglob and state.parens == extglob.parens + 1:
                extglob_close(extglobs.pop(), value)
                continue
            push(_Tok("paren", value, ")" if state.parens else "\\)"))
            decrement("parens")
            continue

        if value == "[":
            if "]" not in remaining():
                value = "\\" + value
            else:
                increment("brackets")
            push(_Tok("bracket", value))
            continue

        if value == "]":
            if prev.type == "bracket" and len(prev.value) == 1:
                push(_Tok("text", value, "\\" + value))
                continue
            if state.brackets == 0:
                push(_Tok("text", value, "\\" + value))
                continue
            decrement("brackets")
            prev_value = prev.value[1:]
            if not prev.posix and prev_value[:1] == "^" and "/" not in prev_value:
                value = "/" + value
            prev.value += value
            append(None, value)
            if _has_regex_chars(prev_value):
                continue
            escaped = escape_regex(prev.value)
            state.output = state.output[: -len(prev.value)]
            prev.value = f"(?:{escaped}|{prev.value})"
            state.output += prev.value
            continue

        if value == "{":
            increment("braces")
            brace_open = _Tok("brace", value, "(", output_index=len(state.output), tokens_index=len(tokens))
            braces.append(brace_open)
            push(brace_open)
            continue

        if value == "}":
            brace = braces[-1] if braces else None
            if brace is None:
                push(_Tok("text", value, value))
                continue
            output = ")"
            if brace.dots:
                arr = list(tokens)
                rng: list[str] = []
                for i in range(len(arr) - 1, -1, -1):
                    tokens.pop()
                    if arr[i].type == "brace":
                        break
                    if arr[i].type != "dots":
                        rng.insert(0, arr[i].value)
                output = _expand_range(rng)
                state.backtrack = True
            if not brace.comma and not brace.dots:
                out = state.output[: brace.output_index]
                toks = tokens[brace.tokens_index :]
                brace.value = brace.output = "\\{"
                value = output = "\\}"
                state.output = out
                for t in toks:
                    state.output += t.output or t.value
            push(_Tok("brace", value, output))
            decrement("braces")
            braces.pop()
            continue

        if value == "|":
            if extglobs:
                extglobs[-1].conditions += 1
            push(_Tok("text", value))
            continue

        if value == ",":
            output = value
            brace = braces[-1] if braces else None
            if brace and stack and stack[-1] == "braces":
                brace.comma = True
                output = "|"
            push(_Tok("comma", value, output))
            continue

        if value == "/":
            if prev.type == "dot" and state.index == state.start + 1:
                state.start = state.index + 1
                state.consumed = ""
                state.output = ""
                tokens.pop()
                prev = bos
                continue
            push(_Tok("slash", value, SLASH_LITERAL))
            continue

        if value == ".":
            if state.braces > 0 and prev.type == "dot":
                if prev.value == ".":
                    prev.output = DOT_LITERAL
                brace = braces[-1]
                prev.type = "dots"
                prev.output = (prev.output or "") + value
                prev.value += value
                brace.dots = True
                continue
            if state.braces + state.parens == 0 and prev.type not in ("bos", "slash"):
                push(_Tok("text", value, DOT_LITERAL))
                continue
            push(_Tok("dot", value, DOT_LITERAL))
            continue

        if value == "?":
            is_group = prev.value == "("
            if not is_group and peek() == "(" and peek(2) != "?":
                extglob_open("qmark", value)
                continue
            if prev.type == "paren":
                nxt = peek()
                output = value
                if (prev.value == "(" and not re.search(r"[!=<:]", nxt)) or (
                    nxt == "<" and not re.search(rf"<([!=]|[{_WORD}]+>)", remaining())
                ):
                    output = "\\" + value
                push(_Tok("text", value, output))
                continue
            if prev.type in ("slash", "bos"):
                push(_Tok("qmark", value, QMARK_NO_DOT))
                continue
            push(_Tok("qmark", value, QMARK))
            continue

        if value == "!":
            if peek() == "(" and (peek(2) != "?" or not re.search(r"[!=<:]", peek(3))):
                extglob_open("negate", value)
                continue
            if state.index == 0:
                negate()
                continue

        if value == "+":
            if peek() == "(" and peek(2) != "?":
                extglob_open("plus", value)
                continue
            if prev.value == "(":
                push(_Tok("plus", value, PLUS_LITERAL))
                continue
            if prev.type in ("bracket", "paren", "brace") or state.parens > 0:
                push(_Tok("plus", value))
                continue
            push(_Tok("plus", PLUS_LITERAL))
            continue

        if value == "@":
            if peek() == "(" and peek(2) != "?":
                push(_Tok("at", value, "", extglob=True))
                continue
            push(_Tok("text", value))
            continue

        if value != "*":
            if value in ("$", "^"):
                value = "\\" + value
            match = _REGEX_NON_SPECIAL_CHARS.match(remaining())
            if match:
                value += match.group(0)
                state.index += len(match.group(0))
            push(_Tok("text", value))
            continue

        # ---------------------------------------------------------------- stars
        if prev.type == "globstar" or prev.star:
            prev.type = "star"
            prev.star = True
            prev.value += value
            prev.output = STAR
            state.backtrack = True
            consume(value)
            continue

        rest = remaining()
        if re.match(r"\([^?]", rest, re.S):
            extglob_open("star", value)
            continue

        if prev.type == "star":
            prior = prev.prev
            assert prior is not None
            before = prior.prev
            is_start = prior.type in ("slash", "bos")
            after_star = before is not None and before.type in ("star", "globstar")
            is_brace = state.braces > 0 and prior.type in ("comma", "brace")
            is_extglob = bool(extglobs) and prior.type in ("pipe", "paren")
            if not is_start and prior.type != "paren" and not is_brace and not is_extglob:
                push(_Tok("star", value, ""))
                continue

            while rest[:3] == "/**":
                after = text[state.index + 4] if state.index + 4 < length else ""
                if after and after != "/":
                    break
                rest = rest[3:]
                consume("/**", 3)

            is_end = eos() or (
                state.parens > 0 and rest == ")" * state.parens and not any(e.type == "negate" for e in extglobs)
            )

            if prior.type == "bos" and eos():
                prev.type = "globstar"
                prev.value += value
                prev.output = GLOBSTAR
                state.output = prev.output
                consume(value)
                continue

            prior_prev = prior.prev
            if (
                prior.type == "slash"
                and prior_prev is not None
                and prior_prev.type != "bos"
                and not after_star
                and is_end
            ):
                cut = len((prior.output or "") + (prev.output or ""))
                state.output = state.output[:-cut] if cut else ""
                prior.output = f"(?:{prior.output}"
                prev.type = "globstar"
                prev.output = GLOBSTAR + "|$)"
                prev.value += value
                state.output += prior.output + prev.output
                consume(value)
                continue

            if prior.type == "slash" and prior_prev is not None and prior_prev.type != "bos" and rest[:1] == "/":
                end = "|$" if len(rest) > 1 else ""
                cut = len((prior.output or "") + (prev.output or ""))
                state.output = state.output[:-cut] if cut else ""
                prior.output = f"(?:{prior.output}"
                prev.type = "globstar"
                prev.output = f"{GLOBSTAR}{SLASH_LITERAL}|{SLASH_LITERAL}{end})"
                prev.value += value
                state.output += prior.output + prev.output
                consume(value + advance())
                push(_Tok("slash", "/", ""))
                continue

            if prior.type == "bos" and rest[:1] == "/":
                prev.type = "globstar"
                prev.value += value
                prev.output = f"(?:^|{SLASH_LITERAL}|{GLOBSTAR}{SLASH_LITERAL})"
                state.output = prev.output
                consume(value + advance())
                push(_Tok("slash", "/", ""))
                continue

            cut = len(prev.output or "")
            state.output = state.output[:-cut] if cut else ""
            prev.type = "globstar"
            prev.output = GLOBSTAR
            prev.value += value
            state.output += prev.output
            consume(value)
            continue

        token = _Tok("star", value, STAR)
        if state.index == state.start or prev.type in ("slash", "dot"):
            extra = NO_DOT_SLASH if prev.type == "dot" else NO_DOT
            state.output += extra
            prev.output = (prev.output if prev.output is not None else "") + extra
            if peek() != "*":
                state.output += ONE_CHAR
                prev.output += ONE_CHAR
        push(token)

    while state.brackets > 0:
        state.output = _escape_last(state.output, "[")
        decrement("brackets")
    while state.parens > 0:
        state.output = _escape_last(state.output, "(")
        decrement("parens")
    while state.braces > 0:
        state.output = _escape_last(state.output, "{")
        decrement("braces")

    if prev.type in ("star", "bracket"):
        push(_Tok("maybe_slash", "", f"{SLASH_LITERAL}?"))

    if state.backtrack:
        state.output = ""
        for t in tokens:
            state.output += t.output if t.output is not None else t.value
            if t.suffix:
                state.output += t.suffix
    return state


# ----------------------------------------------------------------------------------------------
# parse.fastpaths and makeRe
# ----------------------------------------------------------------------------------------------

_FAST_EXT = re.compile(rf"^(.*?)\.([{_WORD}]+)$", re.S)


def _fast_create(text: str) -> str | None:
    slash_dot = NO_DOT
    if text == "*":
        return f"{NO_DOT}{ONE_CHAR}{STAR}"
    if text == ".*":
        return f"{DOT_LITERAL}{ONE_CHAR}{STAR}"
    if text == "*.*":
        return f"{NO_DOT}{STAR}{DOT_LITERAL}{ONE_CHAR}{STAR}"
    if text == "*/*":
        return f"{NO_DOT}{STAR}{SLASH_LITERAL}{ONE_CHAR}{slash_dot}{STAR}"
    if text == "**":
        return NO_DOT + GLOBSTAR
    if text == "**/*":
        return f"(?:{NO_DOT}{GLOBSTAR}{SLASH_LITERAL})?{slash_dot}{ONE_CHAR}{STAR}"
    if text == "**/*.*":
        return f"(?:{NO_DOT}{GLOBSTAR}{SLASH_LITERAL})?{slash_dot}{STAR}{DOT_LITERAL}{ONE_CHAR}{STAR}"
    if text == "**/.*":
        return f"(?:{NO_DOT}{GLOBSTAR}{SLASH_LITERAL})?{DOT_LITERAL}{ONE_CHAR}{STAR}"
    match = _FAST_EXT.match(text)
    if not match:
        return None
    source = _fast_create(match.group(1))
    if not source:
        return None
    return source + DOT_LITERAL + match.group(2)


def fastpaths(text: str) -> str | None:
    if len(text) > MAX_LENGTH:
        raise GlobSyntaxError(f"Input length: {len(text)}, exceeds maximum allowed length: {MAX_LENGTH}")
    text = REPLACEMENTS.get(text, text)
    if text.startswith("./"):
        text = text[2:]
    source = _fast_create(text)
    if source:
        source += f"{SLASH_LITERAL}?"
    return source


@record
class Compiled:
    """picomatch's view of one glob: the inner regex source and whether the pattern is negated."""

    output: str
    negated: bool

    @property
    def source(self) -> str:
        """The full JavaScript regex source, as compileRe builds it."""
        source = f"^(?:{self.output})$"
        return f"^(?!{source}).*$" if self.negated else source


def make_re(glob: str) -> Compiled:
    """picomatch.makeRe(glob, {strictSlashes: false}) without the final RegExp construction."""
    if not glob:
        raise GlobSyntaxError("Expected pattern to be a non-empty string")
    if glob[0] in ".*":
        out = fastpaths(glob)
        if out:
            return Compiled(out, False)
    state = parse(glob)
    return Compiled(state.output, state.negated)


def scan_is_glob(text: str) -> bool:
    """``picomatch.scan(text).isGlob`` (lib/scan.js, default options): what the server asks to decide whether a
    token's only scope pins every read to that path. Only the branches that decide ``isGlob`` are ported;
    a character past the end reads as JavaScript's ``NaN`` (None here), and ``"\\0"`` is falsy as in ``while``.
    (A leading ``!`` negates without making a glob, so scan's negation bookkeeping is left out.)"""
    length = len(text) - 1
    index = -1
    code: str | None = None

    def at(i: int) -> str | None:
        return text[i] if 0 <= i < len(text) else None

    def advance() -> str | None:
        nonlocal index
        index += 1
        return at(index)

    def truthy(char: str | None) -> bool:
        return char is not None and char != "\0"

    brace_escaped = False
    while index < length:
        code = advance()
        if code == "\\":
            code = advance()
            if code == "{":
                brace_escaped = True
            continue
        if brace_escaped or code == "{":
            braces = 1
            while index < length and truthy(code := advance()):
                if code == "\\":
                    advance()
                    continue
                if code == "{":
                    braces += 1
                    continue
                if not brace_escaped and code == "." and (code := advance()) == ".":
                    return True
                if not brace_escaped and code == ",":
                    return True
                if code == "}":
                    braces -= 1
                    if braces == 0:
                        break
            return False
        if code == "/":
            continue
        if code in ("+", "@", "*", "?", "!") and at(index + 1) == "(":
            return True
        if code in ("*", "?"):
            return True
        if code == "[":
            while index < length and truthy(following := advance()):
                if following == "\\":
                    advance()
                    continue
                if following == "]":
                    return True
            return False
        if code == "(":
            return True
    return False
