"""The apps stand in one order, and imports run only downwards (docs/architecture.md):

    tenancy <- customfields <- crm <- callbacks, milestones <- campaigns <- demo

An app may import the apps below it, never one above it or beside it (callbacks and milestones
do not import each other). Read from the code's own import statements, functions' local imports
included; migrations name other apps by string only and are not read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RANK = {
    "tenancy": 0,
    "customfields": 1,
    "crm": 2,
    "callbacks": 3,
    "milestones": 3,
    "campaigns": 4,
    "demo": 5,
}


def imported_apps(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno, f"from {node.module} import …"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno, f"import {alias.name}"


def upward_imports():
    for app, rank in RANK.items():
        folder = ROOT / app
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            for target, line, statement in imported_apps(path):
                if target in RANK and target != app and RANK[target] >= rank:
                    yield relative, target, line, statement


def test_every_app_of_the_order_exists():
    assert all((ROOT / app / "apps.py").is_file() for app in RANK)


def test_no_app_imports_one_above_or_beside_it():
    found = list(upward_imports())
    assert not found, "imports against the order:\n" + "\n".join(
        f"{f}:{line}: {s} ({f.split('/')[0]} may not import {t})" for f, t, line, s in found
    )


@pytest.mark.parametrize("app", ["tenancy"])
def test_the_foundation_imports_no_feature_app(app):
    found = [(f, t) for f, t, _, _ in upward_imports() if f.startswith(f"{app}/")]
    assert found == []
