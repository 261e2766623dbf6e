"""Translate a JavaScript regular expression (no flags, Annex B syntax) into an equivalent Python one.

picomatch builds JavaScript regex sources and, when ``new RegExp`` throws, falls back to a
regex that matches nothing. Python's ``re`` differs in the details that matter here: ``$``
also matches before a final newline, ``a{,3}`` is a quantifier, ``a*+`` is possessive, ``\\a``
is the bell character, ``[]`` is not an empty class, and ``\\w``/``\\d``/``\\b`` are Unicode
aware. :func:`to_python` parses the JavaScript source, rejects what JavaScript rejects (returning
``None``), and writes a Python pattern with the JavaScript meaning.
"""

from __future__ import annotations

import re

JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_SPACE_CLASS = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_LINE_TERMINATORS = "[^\\n\\r\\u2028\\u2029]"
_WORD = "A-Za-z0-9_"
_CLASS_ESCAPES = {
    "d": "0-9",
    "w": _WORD,
    "s": _JS_SPACE_CLASS,
}
_NEGATED_CLASS_ESCAPES = {"D": "d", "W": "w", "S": "s"}
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v"}
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_OCTAL = re.compile(r"[0-3][0-7]{0,2}|[4-7][0-7]?")
_GROUP_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


class _Invalid(Exception):
    """JavaScript would throw a SyntaxError for this source."""


def _literal(ch: str) -> str:
    return re.escape(ch)


def _class_literal(ch: str) -> str:
    return "\\" + ch if ch in "\\]-[^&~|" else ch if ch.isprintable() else f"\\U{ord(ch):08x}"


class _Translator:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.captures = 0
        self.closed: set[int] = set()
        self.names: set[str] = set()
        self.total_captures, self.has_names = self._count_groups()

    def _count_groups(self) -> tuple[int, bool]:
        count, names = 0, False
        i, in_class = 0, False
        src = self.src
        while i < len(src):
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if in_class:
                in_class = c != "]"
            elif c == "[":
                in_class = True
            elif c == "(":
                if not src.startswith("?", i + 1):
                    count += 1
                elif src.startswith("?<", i + 1) and not src.startswith(("?<=", "?<!"), i + 1):
                    count += 1
                    names = True
            i += 1
        return count, names

    # -------------------------------------------------------------- atoms
    def _escape_atom(self) -> tuple[str, bool]:
        """Translate the escape at self.i (a backslash); return (python, quantifiable)."""
        src = self.src
        if self.i + 1 >= len(src):
            raise _Invalid("\\ at end of pattern")
        d = src[self.i + 1]
        self.i += 2
        if d in "bB":
            w = f"[{_WORD}]"
            if d == "b":
                return f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))", False
            return f"(?:(?<={w})(?={w})|(?<!{w})(?!{w}))", False
        if d in _CLASS_ESCAPES:
            return f"[{_CLASS_ESCAPES[d]}]", True
        if d in _NEGATED_CLASS_ESCAPES:
            return f"[^{_CLASS_ESCAPES[_NEGATED_CLASS_ESCAPES[d]]}]", True
        if d.isdigit() and d != "0":
            j = self.i
            while j < len(src) and src[j].isdigit():
                j += 1
            number = int(src[self.i - 1 : j])
            if number <= self.total_captures:
                self.i = j
                # JavaScript: a group that has not captured (yet) matches the empty string.
                return (f"(?({number})\\{number}|)" if number in self.closed else "(?:)"), True
            if d in "89":
                return _literal(d), True
            self.i -= 1
            return _literal(self._octal()), True
        if d == "k" and self.has_names:
            m = re.compile(r"<([^>]*)>").match(src, self.i)
            if not m:
                raise _Invalid("invalid named reference")
            self.i = m.end()
            return f"(?P={m.group(1)})", True
        return _literal(self._char_escape(d)), True

    def _octal(self) -> str:
        """A legacy octal escape starting at self.i (a digit 0-7)."""
        m = _OCTAL.match(self.src, self.i)
        assert m
        self.i = m.end()
        return chr(int(m.group(0), 8))

    def _char_escape(self, d: str) -> str:
        """The character an identity/control/hex escape stands for (self.i is past the letter)."""
        src = self.src
        if d in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[d]
        if d == "0":
            self.i -= 1
            return self._octal()
        if d == "c" and self.i < len(src) and src[self.i].isascii() and src[self.i].isalpha():
            self.i += 1
            return chr(ord(src[self.i - 1]) % 32)
        if d == "c":
            self.i -= 1
            return "\\"
        if d == "x" and _HEX2.match(src, self.i):
            self.i += 2
            return chr(int(src[self.i - 2 : self.i], 16))
        if d == "u" and _HEX4.match(src, self.i):
            self.i += 4
            return chr(int(src[self.i - 4 : self.i], 16))
        return d

    def _class_item(self) -> tuple[str, str | None]:
        """One class atom at self.i: (python text, the single character, or None for \\d-like escapes)."""
        src = self.src
        c = src[self.i]
        if c != "\\":
            self.i += 1
            return _class_literal(c), c
        if self.i + 1 >= len(src):
            raise _Invalid("\\ at end of pattern")
        d = src[self.i + 1]
        self.i += 2
        if d in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[d], None
        if d in _NEGATED_CLASS_ESCAPES:
            return f"\\{d}", None
        if d == "b":
            return "\\x08", "\b"
        if d in "1234567":
            self.i -= 1
            ch = self._octal()
            return _class_literal(ch), ch
        if d == "c" and self.i < len(src) and src[self.i].isascii() and (src[self.i].isalnum() or src[self.i] == "_"):
            self.i += 1
            ch = chr(ord(src[self.i - 1]) % 32)
            return _class_literal(ch), ch
        ch = self._char_escape(d)
        return _class_literal(ch), ch

    def _class(self) -> str:
        """Translate a character class starting at self.i ('[')."""
        src = self.src
        self.i += 1
        negated = src.startswith("^", self.i)
        if negated:
            self.i += 1
        items: list[tuple[str, str | None]] = []
        dashes: set[int] = set()  # indexes of unescaped '-' items, the only range operators
        while True:
            if self.i >= len(src):
                raise _Invalid("missing terminating ] for character class")
            if src[self.i] == "]":
                self.i += 1
                break
            if src[self.i] == "-":
                dashes.add(len(items))
            items.append(self._class_item())

        parts: list[str] = []
        k = 0
        while k < len(items):
            text, ch = items[k]
            if k + 2 < len(items) and (k + 1) in dashes:
                high_text, high = items[k + 2]
                if ch is not None and high is not None:
                    if ord(ch) > ord(high):
                        raise _Invalid("range out of order in character class")
                    parts.append(f"{text}-{high_text}")
                    k += 3
                    continue
                parts.append(text)
                parts.append("\\-")
                k += 2
                continue
            parts.append(text)
            k += 1
        body = "".join(parts)
        if not body:
            return "[\\s\\S]" if negated else "(?!)"
        return f"[{'^' if negated else ''}{body}]"

    # -------------------------------------------------------------- driver
    def translate(self) -> str:
        src = self.src
        depth: list[str] = []
        quantifiable = False
        while self.i < len(src):
            c = src[self.i]
            if c == "\\":
                text, quantifiable = self._escape_atom()
                self.out.append(text)
            elif c == "[":
                self.out.append(self._class())
                quantifiable = True
            elif c == "(":
                if src.startswith("(?:", self.i):
                    self.out.append("(?:")
                    self.i += 3
                    depth.append(":")
                elif src.startswith(("(?=", "(?!"), self.i):
                    self.out.append(src[self.i : self.i + 3])
                    self.i += 3
                    depth.append("ahead")
                elif src.startswith(("(?<=", "(?<!"), self.i):
                    self.out.append(src[self.i : self.i + 4])
                    self.i += 4
                    depth.append("behind")
                elif src.startswith("(?<", self.i):
                    m = _GROUP_NAME.match(src, self.i + 3)
                    if not m or not src.startswith(">", m.end()) or m.group(0) in self.names:
                        raise _Invalid("invalid capture group name")
                    self.names.add(m.group(0))
                    self.out.append(f"(?P<{m.group(0)}>")
                    self.i = m.end() + 1
                    self.captures += 1
                    depth.append(str(self.captures))
                elif src.startswith("(?", self.i):
                    raise _Invalid("invalid group")
                else:
                    self.out.append("(")
                    self.i += 1
                    self.captures += 1
                    depth.append(str(self.captures))
                quantifiable = False
            elif c == ")":
                if not depth:
                    raise _Invalid("unmatched ')'")
                kind = depth.pop()
                if kind.isdigit():
                    self.closed.add(int(kind))
                self.out.append(")")
                self.i += 1
                quantifiable = kind != "behind"
                if kind == "ahead" and self._peek_quantifier():
                    # Annex B lets a lookahead be quantified; Python wants it wrapped in a group.
                    start = self._find_group_start()
                    self.out[start:] = ["(?:", *self.out[start:], ")"]
            elif c in "*+?":
                if not quantifiable:
                    raise _Invalid("nothing to repeat")
                self.out.append(c)
                self.i += 1
                self._lazy()
                quantifiable = False
            elif c == "{":
                m = _QUANTIFIER.match(src, self.i)
                if m:
                    if not quantifiable:
                        raise _Invalid("nothing to repeat")
                    low = int(m.group(1))
                    high = m.group(3)
                    if m.group(2) and high and int(high) < low:
                        raise _Invalid("numbers out of order in {} quantifier")
                    self.out.append(m.group(0))
                    self.i = m.end()
                    self._lazy()
                    quantifiable = False
                else:
                    self.out.append("\\{")
                    self.i += 1
                    quantifiable = True
            elif c == "|":
                self.out.append("|")
                self.i += 1
                quantifiable = False
            elif c == "^":
                self.out.append("^")
                self.i += 1
                quantifiable = False
            elif c == "$":
                self.out.append("\\Z")
                self.i += 1
                quantifiable = False
            elif c == ".":
                self.out.append(_LINE_TERMINATORS)
                self.i += 1
                quantifiable = True
            else:
                self.out.append(_literal(c))
                self.i += 1
                quantifiable = True
        if depth:
            raise _Invalid("unterminated group")
        return "".join(self.out)

    def _peek_quantifier(self) -> bool:
        if self.i >= len(self.src):
            return False
        return self.src[self.i] in "*+?" or _QUANTIFIER.match(self.src, self.i) is not None

    def _find_group_start(self) -> int:
        level = 0
        for k in range(len(self.out) - 1, -1, -1):
            piece = self.out[k]
            if piece == ")":
                level += 1
            elif piece in ("(?=", "(?!", "(?<=", "(?<!", "(?:", "(") or piece.startswith("(?P<"):
                level -= 1
                if level == 0:
                    return k
        return 0

    def _lazy(self) -> None:
        if self.src.startswith("?", self.i):
            self.out.append("?")
            self.i += 1


def to_python(source: str) -> str | None:
    """The Python equivalent of JavaScript ``new RegExp(source)``, or None where JavaScript throws."""
    try:
        python = _Translator(source).translate()
        re.compile(python)
    except (_Invalid, re.error):
        return None
    return python
