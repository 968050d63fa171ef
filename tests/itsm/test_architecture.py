"""The code keeps the shape docs/architecture.md draws (DESIGN §5): imports point one way
between the apps (servicedesk → incidents → sla → itsm; reports reads them all and nothing
imports it), no two modules import each other in a circle, and sla reads, writes and locks
no table of the apps above it."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("itsm", "sla", "incidents", "servicedesk", "reports")
# An app may import only the apps below it.
BELOW = {
    "itsm": set(),
    "sla": {"itsm"},
    "incidents": {"sla", "itsm"},
    "servicedesk": {"incidents", "sla", "itsm"},
    "reports": {"servicedesk", "incidents", "sla", "itsm"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports, anywhere in the file (inside functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in MODULES:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_imports_point_down_the_layers():
    against = [
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if (app := name.split(".")[0]) != (other := target.split(".")[0])
        and other not in BELOW[app]
    ]
    assert against == []


def test_no_import_cycles():
    """Tarjan's strongly connected components over the module graph: none has two modules.
    (Module-level and function-level imports alike: a cycle hidden in a function is still
    one.)"""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_sla_names_no_table_of_the_apps_above():
    """A clock refers to its incident by a lazy foreign key (sla/models.py); nothing else in
    sla reaches through it to the incident's or the segment's table."""
    reach = re.compile(
        r"incidents_\w+|related_model|get_model\(\s*[\"'](incidents|servicedesk)"
        r"|\b(from|import) (incidents|servicedesk|reports)\b"
    )
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for name, path in MODULES.items()
        if name.startswith("sla.") and not name.startswith("sla.models")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reach.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_the_architecture_doc_names_every_module():
    """Each module by its path, or its file name on the line of its package's folder."""
    lines = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines()
    missing = []
    for path in MODULES.values():
        relative = path.relative_to(ROOT)
        if {"management", "templatetags"} & set(relative.parts):
            continue
        if path.name == "__init__.py" and len(relative.parts) == 2:
            continue  # an app's own package marker
        folder = f"`{relative.parent}/`"
        named = any(
            f"`{relative}`" in line
            or (folder in line and (path.name == "__init__.py" or f"`{path.name}`" in line))
            for line in lines
        )
        if not named:
            missing.append(str(relative))
    assert missing == []
