"""The apps form layers, and imports only run down them (issue 8).

Each app may import from apps below it, never from one above or beside it on its level, so
there is no cycle between apps and a change to a lower room never needs a higher one. Imports
inside functions count too: a function-local import is still a dependency, usually one hiding
a cycle. Within an app, modules import each other without cycles too, with one allowed
exception: Celery's task/service pair (a service queues its task, the task calls its service).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. An app may import the apps of lower layers only.
LAYERS: list[set[str]] = [
    {"vault"},  # encryption core: nothing of ours
    {"core", "audit"},  # HTTP plumbing; the append-only trail
    {"accounts"},  # entities, staff, roles, the policy of who may do what
    {"reports", "notifications"},  # the record; the outbox
    {"referrals"},
    {"cases"},  # the state machine and the staff's doors
    {"feedback"},  # survivors' survey and "not ready" answers, kept apart from any report
    {"portal"},  # the reporter's doors
    {"stats"},  # released, protected aggregates: leadership's doors
    {"demo"},  # demo data and its command
    {"config"},  # wiring
    # Benchmarks, on top: they may start the service's wiring (bench.settings_crypto_off), and
    # nothing of the service can import them (bench.crypto_off switches encryption off).
    {"bench"},
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}


def _python_files() -> list[Path]:
    return [
        path
        for app in RANK
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module of ours that this file imports, at the top or inside a function."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from app import module`` names a module of ours as well.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in RANK}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in _python_files()}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for imported in _imports(path):
            # ``from cases import services`` names cases.services; ``from cases.models import
            # Case`` names cases.models (Case is not a module).
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph[name].add(imported)
    return graph


def test_every_app_has_a_layer() -> None:
    apps = {
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests"}
    }
    assert apps - set(RANK) == set()


def test_apps_import_only_from_the_layers_below_them() -> None:
    upward = sorted(
        f"{module} imports {imported}"
        for module, imported_modules in _graph().items()
        for imported in imported_modules
        if (source := module.split(".")[0]) != (target := imported.split(".")[0])
        and RANK[target] >= RANK[source]
    )
    assert upward == []


def _is_celery_pair(first: str, second: str) -> bool:
    app_a, _, module_a = first.partition(".")
    app_b, _, module_b = second.partition(".")
    return app_a == app_b and {module_a, module_b} == {"services", "tasks"}


def test_no_module_import_cycle_except_celerys_task_service_pair() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if _is_celery_pair(module, imported):
                continue
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []
