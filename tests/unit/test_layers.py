"""Every import of the program, at module level or inside a function, against the layer table."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from counter_app import layers

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _project_imports() -> list[tuple[str, str, bool, int, str]]:
    """(importer, imported, inside a function, line, file) for every project import."""
    found = []
    files = [*ROOT.glob("counter_app/**/*.py"), *ROOT.glob("ui/**/*.py")]
    for path in sorted(files):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                in_function.update(
                    id(inner)
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                )
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                # `from counter_app.cli import admin` imports a module, not a name.
                targets = [
                    f"{base}.{alias.name}"
                    if (ROOT / Path(*base.split("."), alias.name)).is_dir()
                    or (ROOT / Path(*base.split("."), f"{alias.name}.py")).is_file()
                    else base
                    for alias in node.names
                ]
            for target in targets:
                if target.split(".")[0] in {"counter_app", "ui"}:
                    found.append((module, target, id(node) in in_function, node.lineno, str(path)))
    return found


IMPORTS = _project_imports()


def test_the_scan_sees_the_whole_program() -> None:
    importers = {importer for importer, *_ in IMPORTS}
    assert "counter_app.dossiers.service" in importers
    assert "ui.main_window" in importers
    assert len(IMPORTS) > 500


def test_every_import_follows_the_layer_table() -> None:
    wrong = [
        f"{path}:{line}: {importer} -> {imported}"
        for importer, imported, _inner, line, path in IMPORTS
        if not layers.allowed(importer, imported)
    ]
    assert wrong == []


def test_no_cycle_between_parts() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported, *_ in IMPORTS:
        source, target = layers.part_of(importer), layers.part_of(imported)
        if source != target:
            graph[source].add(target)
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(part: str, trail: list[str]) -> None:
        state[part] = 1
        for nxt in sorted(graph[part]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [part, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[part] = 2

    for part in sorted(graph):
        if part not in state:
            visit(part, [part])
    assert cycles == []


def test_imports_inside_functions_only_where_listed() -> None:
    lazy = {
        (importer, imported)
        for importer, imported, inner, *_ in IMPORTS
        if inner and not layers.is_entry_point(importer)
    }
    assert lazy - set(layers.LAZY_IMPORTS) == set(), "a new import inside a function"
    assert set(layers.LAZY_IMPORTS) - lazy == set(), "gone: shrink layers.LAZY_IMPORTS"


def test_the_table_rejects_an_upward_import() -> None:
    assert not layers.allowed("counter_app.domain.lifecycle", "counter_app.store.models")
    assert not layers.allowed("counter_app.kernel.context", "counter_app.dossiers.service")
    assert not layers.allowed("counter_app.guidance.policy", "counter_app.dossiers.service")
    assert not layers.allowed("counter_app.hub.service", "counter_app.sync.client")
    assert not layers.allowed("counter_app.reports.day", "ui.app")
    assert layers.allowed("counter_app.dossiers.service", "counter_app.guidance.policy")
    assert layers.allowed("counter_app.hub.service", "counter_app.sync.protocol")


def test_no_private_name_of_another_module_is_imported() -> None:
    private = []
    for path in sorted([*ROOT.glob("counter_app/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("counter_app", "ui")
            ):
                private += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and alias.name not in {"_", "__version__"}
                ]
    assert private == []


def test_no_reach_into_argparse_internals() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("counter_app/**/*.py")
        if "._actions" in path.read_text(encoding="utf-8")
        or "_SubParsersAction" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_architecture_document_names_every_part() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    parts = {*layers.SLICE_EDGES, layers.DOMAIN, layers.STORE, layers.KERNEL, layers.HUB}
    missing = sorted(part for part in parts if f"`{part}`" not in text)
    assert missing == []
