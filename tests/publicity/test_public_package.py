"""The public portal package: one blueprint module, route modules that import it, no cycle, URLs as before."""
from __future__ import annotations

import ast
from pathlib import Path

import govkit.publicity.public as public

PACKAGE = "govkit.publicity.public"

# Endpoint → URL of every public page; templates and e-mails build links with url_for(endpoint).
PAGES = {
    "public.index": "/public/", "public.division": "/public/d/<code>", "public.search": "/public/search",
    "public.guide": "/public/guide/<int:implementation_id>",
    "public.guide_pdf": "/public/guide/<int:implementation_id>.pdf",
    "public.material_file": "/public/material/<int:material_id>/<kind>",
    "public.board": "/public/centre/<int:centre_id>/board",
    "public.progress": "/public/progress", "public.rate": "/public/progress/rate",
    "public.complaint_new": "/public/complaints/new", "public.complaint_lookup": "/public/complaints/lookup",
    "public.disclosure_list": "/public/disclosures", "public.disclosure_feed": "/public/disclosures.atom",
    "public.disclosure_detail": "/public/disclosures/<int:entry_id>",
    "public.disclosure_file": "/public/disclosures/<int:entry_id>/files/<int:file_id>",
    "public.verify": "/public/verify", "public.static": "/public/static/<path:filename>",
}


def package_imports(sources: dict[str, str]) -> dict[str, set[str]]:
    """Module name → the modules of this package it imports at its top level."""
    graph = {}
    for module, source in sources.items():
        found = set()
        for node in ast.parse(source).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                if node.module == PACKAGE:
                    found |= {f"{PACKAGE}.{alias.name}" for alias in node.names}
                else:
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith(PACKAGE + ".")}
        graph[module] = found - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles among the route modules (the package's own ``__init__`` only mounts them)."""
    found = []

    def visit(module, path):
        for target in sorted(graph.get(module, ())):
            if target == PACKAGE:
                continue
            if target in path:
                found.append(path[path.index(target):] + [target])
            else:
                visit(target, path + [target])

    for module in graph:
        visit(module, [module])
    return found


def sources() -> dict[str, str]:
    folder = Path(public.__file__).parent
    return {
        PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}": path.read_text(encoding="utf-8")
        for path in folder.glob("*.py")
    }


def test_route_modules_import_only_the_blueprint_module():
    graph = package_imports(sources())
    assert graph[f"{PACKAGE}.blueprint"] == set()
    routes = set(graph) - {PACKAGE, f"{PACKAGE}.blueprint"}
    assert routes == {f"{PACKAGE}.{name}" for name in ("catalog", "progress", "complaints", "disclosures", "verify")}
    for module in routes:
        assert graph[module] == {f"{PACKAGE}.blueprint"}, module
    assert cycles(graph) == []


def test_guard_the_cycle_check_finds_a_route_module_importing_another():
    bad = sources()
    bad[f"{PACKAGE}.blueprint"] += f"\nfrom {PACKAGE}.catalog import index\n"
    assert cycles(package_imports(bad)) != []
    bad = sources()
    bad[f"{PACKAGE}.blueprint"] += f"\nfrom {PACKAGE} import progress\n"
    assert cycles(package_imports(bad)) != []


def test_urls_and_endpoints_are_unchanged(app):
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("public.")}
    assert rules == PAGES
