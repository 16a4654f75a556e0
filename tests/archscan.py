"""Import-graph checks behind docs/architecture.md (an ast scan; nothing is imported).

Nodes are govkit's top-level units (``govkit/<unit>/`` or ``govkit/<unit>.py``; the package
root is ``govkit``). A domain package's screens and commands — modules named ``views``,
``api``, ``web``, ``cli``, ``*_views``, ``public_*`` or inside a ``views``/``public``
package — form a second node, ``<unit> screens``: they sit above :mod:`govkit.web`, while
the domain's core (models, services, workflow …) sits below it.

Only module-level imports are edges (not those inside functions, nor under
``if TYPE_CHECKING:``). Imports inside functions are listed separately: each must carry a
``# deferred: <reason>`` comment on its line or the line above.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

SCREEN_MODULE = re.compile(r"^(views|api|web|cli|\w+_views|public|public_\w+)$")
DEFERRED_MARK = "deferred:"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (resolved, absolute)
    line: int
    in_function: bool
    documented: bool


def module_name(package_dir: Path, path: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(package_dir: Path, dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (package_dir / rel).with_suffix(".py").is_file() or (package_dir / rel / "__init__.py").is_file()


def _type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


def imports_of(package_dir: Path, path: Path) -> list[Import]:
    """Every import of the package made by one file (relative imports resolved)."""
    module = module_name(package_dir, path)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    base_parts = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[Import] = []

    def documented(node: ast.stmt) -> bool:
        """A ``# deferred:`` comment on the statement, or above the run of imports (and blank lines) it ends."""
        own = lines[node.lineno - 1: (node.end_lineno or node.lineno)]
        above = node.lineno - 2
        while above >= 0 and (lines[above].strip().startswith(("from ", "import ")) or not lines[above].strip()) \
                and DEFERRED_MARK not in lines[above]:
            above -= 1
        nearby = own + ([lines[above]] if above >= 0 else [])
        return any(DEFERRED_MARK in line.split("#", 1)[1] for line in nearby if "#" in line)

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:
            parts = base_parts[: len(base_parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        out = []
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            out.append(candidate if _is_module(package_dir, candidate) else base)
        return out

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                walk(child, True)
            elif isinstance(child, ast.If) and _type_checking(child.test):
                for stmt in child.orelse:
                    walk(ast.Module(body=[stmt], type_ignores=[]), in_function)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in targets(child):
                    found.append(Import(module, target, child.lineno, in_function, documented(child)))
            else:
                walk(child, in_function)

    walk(ast.parse(source), False)
    return found


def all_imports(package_dir: Path) -> list[Import]:
    return [imp for path in sorted(package_dir.rglob("*.py")) for imp in imports_of(package_dir, path)]


def node_of(package: str, dotted: str) -> str | None:
    """The graph node of a module (None outside the package)."""
    parts = dotted.split(".")
    if parts[0] != package:
        return None
    if len(parts) == 1:
        return package
    unit = parts[1]
    if len(parts) > 2 and any(SCREEN_MODULE.match(part) for part in parts[2:]):
        return f"{unit} screens"
    return unit


def unit_graph(package_dir: Path) -> dict[str, dict[str, list[str]]]:
    """``{unit: {imported unit: ["module:line", …]}}`` from module-level imports."""
    package = package_dir.name
    graph: dict[str, dict[str, list[str]]] = {}
    for imp in all_imports(package_dir):
        source, target = node_of(package, imp.module), node_of(package, imp.target)
        graph.setdefault(source, {})
        if imp.in_function or target is None or target == source:
            continue
        graph[source].setdefault(target, []).append(f"{imp.module}:{imp.line}")
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]] | dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}  # 1 = on the path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def undocumented_deferred(package_dir: Path) -> list[str]:
    """Imports inside functions without a ``# deferred: <reason>`` comment, as ``module:line``."""
    seen: set[str] = set()
    out = []
    for imp in all_imports(package_dir):
        where = f"{imp.module}:{imp.line}"
        if imp.in_function and not imp.documented and where not in seen:
            seen.add(where)
            out.append(where)
    return out


def parse_allowed(markdown: str) -> dict[str, set[str]]:
    """The allowed-imports table of docs/architecture.md: ``| `unit` | `a`, `b` |`` rows."""
    table: dict[str, set[str]] = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        table[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))
    return table


def disallowed_imports(graph: dict[str, dict[str, list[str]]], allowed: dict[str, set[str]]) -> list[str]:
    """Edges of the graph the table does not allow, and units the table does not list."""
    problems = [f"{unit}: not in the table" for unit in sorted(graph) if unit not in allowed]
    for unit, targets in sorted(graph.items()):
        for target, where in sorted(targets.items()):
            if unit in allowed and target not in allowed[unit]:
                problems.append(f"{unit} → {target} (e.g. {where[0]}) is not allowed")
    return problems
