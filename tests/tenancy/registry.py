"""The crossing walks' registry, gathered from each app's `tests/<app>/foreign.py`:

- `build(world, tenant)`: add the app's objects for tenant B to `world`; every one carries
  MARKER in its text, so any response to tenant A containing MARKER has leaked it;
- `snapshot(world)`: what must stay unchanged however tenant A pokes at it;
- `DETAIL_KWARGS`: {ViewSet: world -> URL kwargs} for every viewset with detail routes;
- `LIST_ONLY`: viewsets that only have list routes;
- `FOREIGN_POSTS`: {route name: (world, alpha admin) -> [bodies]} — list-level POSTs that point
  at tenant B's objects, each of which must be refused with a 400;
- `OWN_POSTS`: list-level POST route names that only create the caller's own rows;
- `FOREIGN_FILTERS`: {route name: {param: world -> value}} — filters naming B's objects (400);
- `ADMIN_OBJECTS`: {Model: world -> tenant B's object} for every tenant-owned admin model.
"""

import importlib
import pkgutil
from types import SimpleNamespace

import tests

MARKER = "zqxbeta"


def _modules():
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.foreign")
            except ModuleNotFoundError as exc:
                if exc.name != f"tests.{info.name}.foreign":
                    raise


MODULES = list(_modules())


def merged(name: str) -> dict | set:
    parts = [getattr(m, name) for m in MODULES if hasattr(m, name)]
    if parts and isinstance(parts[0], set):
        return set().union(*parts)
    result: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = {**result[key], **value}  # two apps' filters of one route
            else:
                result[key] = value
    return result


def build_world(tenant) -> SimpleNamespace:
    world = SimpleNamespace()
    for module in MODULES:
        module.build(world, tenant)
    return world


def snapshot(world) -> tuple:
    return tuple(module.snapshot(world) for module in MODULES)
