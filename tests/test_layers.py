"""The layers of ARCHITECTURE.md as facts of the import graph: no circle in core, an editor engine that cannot reach
the network, the disk cache or the login, and a core that imports no face.

The graph is read from the source with ``ast``: every import counts, a function's own included (it runs the
moment the function does); only an ``if TYPE_CHECKING:`` block does not (it never runs).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "core": "infisical_tokens.core",
    "core/editor": "infisical_tokens.core.editor",
    "lsp": "infisical_tokens.lsp",
    "magics": "infisical_tokens.magics",
}
# modules that touch the network, the disk, the keyring or a subprocess (or connect through one that does)
IO_MODULES = {
    f"infisical_tokens.core.{name}"
    for name in (
        *("api", "session", "cachefile", "folders", "catalog", "connection", "identities"),
        *("project", "ignore", "discover", "tokenfile", "check", "file_check", "migrate", "shell", "workflows"),
    )
}
# ARCHITECTURE.md's pure modules: the editor engine may use these, and they reach no module above
PURE_MODULES = {
    f"infisical_tokens.core.{name}"
    for name in (
        *("outcomes", "command", "flag_csv", "scope", "reach", "secret_path", "glob", "needs", "snapshot"),
        *("coverage", "project_config", "api_url", "audit", "migration", "migration_text", "durations", "models"),
        *("problems", "errors", "snippets", "lexer", "jsonloc", "codes", "check_output", "picomatch", "jsregex"),
        *("wildmatch", "redact", "context", "filetypes", "check_report", "resolved"),
    )
}
FACES = ("infisical_tokens.lsp", "infisical_tokens.magics", "pygls", "lsprotocol", "IPython")

Graph = dict[str, set[str]]


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).glob("*.py")):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: anywhere in the module, except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (i for child in node.orelse for i in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def _targets(node: ast.Import | ast.ImportFrom, name: str, path: Path) -> Iterator[str]:
    """The full names a statement imports: ``from . import x`` names the module ``x`` when there is one."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        package = name if path.stem == "__init__" else name.rsplit(".", 1)[0]
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - (node.level - 1)])
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    for alias in node.names:
        yield f"{module}.{alias.name}"
        yield module


def _graph() -> tuple[Graph, dict[str, set[str]]]:
    """Edges between our modules, and every module name (ours or not) each one imports."""
    modules = _modules()
    edges: Graph = {}
    external: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {
            t for node in _imports(ast.parse(path.read_text(encoding="utf-8"))) for t in _targets(node, name, path)
        }
        external[name] = targets
        ours = set()
        for target in targets:
            if target in modules:
                ours.add(target)
            elif target.rsplit(".", 1)[0] in modules and target.rsplit(".", 1)[0] != name:
                ours.add(target.rsplit(".", 1)[0])  # ``from .x import name``: the module x
        edges[name] = ours - {name}
    return edges, external


def _cycles(graph: Graph, within: str) -> list[list[str]]:
    """Every strongly connected component of more than one module among the modules named ``within...``."""
    nodes = [n for n in graph if n.startswith(within)]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if not nxt.startswith(within):
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return found


def _path(graph: Graph, start: str, goal: set[str]) -> list[str] | None:
    """A chain of imports from ``start`` to any module of ``goal`` (breadth first: the shortest), or None."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node in goal:
            chain = [node]
            while (before := previous[chain[-1]]) is not None:
                chain.append(before)
            return chain[::-1]
        for nxt in sorted(graph[node]):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def _short(names: list[str]) -> str:
    return " -> ".join(n.removeprefix("infisical_tokens.") for n in names)


def test_the_walker_sees_real_edges_and_skips_type_checking_blocks() -> None:
    """So that an empty or blind graph cannot pass the tests below."""
    graph, external = _graph()
    assert len(graph) > 60
    c = "infisical_tokens.core."
    for importer, imported in [
        ("workflows", "connection"),  # module level
        ("check", "connection"),
        ("render", "outcomes"),
        ("editor.commands", "snapshot"),
        ("connection", "catalog"),  # inside open_catalog: a function-level import counts
        ("connection", "api"),  # inside client_for
        ("workflows", "check"),  # inside _run_check
    ]:
        assert c + imported in graph[c + importer], f"{importer} -> {imported} not seen"
    assert c + "outcomes" not in graph[c + "context"]  # only under TYPE_CHECKING
    assert "pygls.server" in external["infisical_tokens.lsp.server"] or any(
        t.startswith("pygls") for t in external["infisical_tokens.lsp.server"]
    )
    toy = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(toy, "") == [["a", "b", "c"]]
    assert _one_circle(toy, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def _one_circle(graph: Graph, component: list[str]) -> list[str]:
    """A concrete circle through the first module of ``component``: it, its imports, and back to it."""
    inside = {n: graph[n] & set(component) for n in component}
    start = component[0]
    for nxt in sorted(inside[start]):
        back = _path(inside, nxt, {start})
        if back is not None:
            return [start, *back]
    return component


def test_core_has_no_import_circle() -> None:
    graph, _ = _graph()
    circles = _cycles(graph, "infisical_tokens.core")
    assert not circles, "import circles in core: " + "; ".join(_short(_one_circle(graph, c)) for c in circles)


def test_the_editor_engine_reaches_no_module_that_does_io() -> None:
    """ "The editor engine never waits on the network" holds by structure: not even transitively."""
    graph, _ = _graph()
    engine = [n for n in graph if n.startswith("infisical_tokens.core.editor")]
    assert len(engine) >= 5
    reached = {name: _path(graph, name, IO_MODULES) for name in engine}
    assert not any(reached.values()), "\n".join(_short(chain) for chain in reached.values() if chain)


def test_the_pure_modules_reach_no_module_that_does_io() -> None:
    graph, _ = _graph()
    assert set(graph) >= PURE_MODULES and set(graph) >= IO_MODULES  # no name here is stale
    reached = {name: _path(graph, name, IO_MODULES) for name in sorted(PURE_MODULES)}
    assert not any(reached.values()), "\n".join(_short(chain) for chain in reached.values() if chain)


def test_outcomes_reach_no_workflow_face_or_renderer() -> None:
    graph, _ = _graph()
    c = "infisical_tokens.core."
    chain = _path(graph, c + "outcomes", {c + "workflows", c + "render", c + "check", c + "cli"})
    assert chain is None, _short(chain or [])


def test_core_imports_no_face() -> None:
    _, external = _graph()
    wrong = {
        name.removeprefix("infisical_tokens."): sorted(t for t in targets if t.startswith(FACES))
        for name, targets in external.items()
        if name.startswith("infisical_tokens.core")
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_the_faces_have_no_import_circle_and_do_not_import_each_other() -> None:
    """The faces' own layers: the server's handler modules import the server object, never the other way round
    (``lsp.serve`` imports them to register them)."""
    graph, external = _graph()
    assert "infisical_tokens.lsp.server" in graph["infisical_tokens.lsp.token_commands"]  # the walker sees lsp
    assert not _cycles(graph, "infisical_tokens.magics")
    assert not _cycles(graph, "infisical_tokens.lsp")
    for name, targets in external.items():
        if name.startswith("infisical_tokens.lsp"):
            assert not [t for t in targets if t.startswith(("infisical_tokens.magics", "IPython"))], name
        if name.startswith("infisical_tokens.magics"):
            assert not [t for t in targets if t.startswith(("infisical_tokens.lsp", "pygls", "lsprotocol"))], name
