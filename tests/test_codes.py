"""One registry of diagnostic codes: every emitted code is in it, and the README's table is generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

from infisical_tokens.core.codes import BY_CODE, CODES, markdown_table

ROOT = Path(__file__).resolve().parent.parent
EMITTERS = {
    "Problem": 1,
    "Finding": 1,
    "problem": 1,
    "_on_value": 2,
    "AuditFinding": 0,
    "add": 0,
}  # constructor or helper -> index of `code`


def emitted_codes() -> dict[str, str]:
    """Every code literal passed to a Problem/Finding (or a helper that builds one) in core, with where it is."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in EMITTERS:
                continue
            args = [a for a in node.args if not isinstance(a, ast.Starred)]
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            if code is None and len(args) > EMITTERS[name]:
                code = args[EMITTERS[name]]
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                found[code.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_emitted_code_is_registered() -> None:
    emitted = emitted_codes()
    assert len(emitted) >= 30, "the scan found too few codes: did an emitter change its name?"
    missing = {code: where for code, where in emitted.items() if code not in BY_CODE}
    assert not missing, f"codes emitted but not in core/codes.py: {missing}"


def test_every_registered_code_is_emitted() -> None:
    unused = set(BY_CODE) - set(emitted_codes())
    assert not unused, f"registered codes nothing emits: {sorted(unused)}"


def test_codes_are_unique() -> None:
    assert len(BY_CODE) == len(CODES)


def test_readme_table_is_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- codes:start -->") + len("<!-- codes:start -->\n")
    end = readme.index("<!-- codes:end -->")
    assert readme[start:end] == markdown_table(), "README's code table is out of date; run: make generated"
