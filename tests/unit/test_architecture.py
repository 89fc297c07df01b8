"""The house rules, read from the code: pure folders stay pure, services stay apart, layers point one way."""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "app.py").exists())
PURE_FOLDERS = sorted([*(ROOT / "services").glob("*/domain"), ROOT / "services" / "matching" / "solver",
                       ROOT / "services" / "registry" / "importing"])
FORBIDDEN = ("flask", "flask_openapi3", "flask_login", "flask_wtf", "werkzeug", "sqlalchemy", "sqlmodel", "alembic",
             "nats", "psycopg")
ENTRYPOINTS = ("app", "consumer", "worker")
GENERATED = ("ops/migrations/versions",)


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from … import` names, relative imports resolved, at any depth."""
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def pure_modules() -> list[str]:
    return [module_name(p) for folder in PURE_FOLDERS for p in python_files(folder)]


def test_the_pure_folders_exist_and_hold_the_rules():
    assert {p.relative_to(ROOT).as_posix() for p in PURE_FOLDERS} >= {
        "services/matching/domain", "services/matching/solver", "services/reports/domain",
        "services/registry/importing"}
    assert len(pure_modules()) >= 10


@pytest.mark.parametrize("folder", PURE_FOLDERS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_pure_folder_imports_no_web_database_or_broker_library(folder: Path):
    offending = {f"{p.relative_to(ROOT)}: {name}" for p in python_files(folder) for name in imported_modules(p)
                 if name.split(".")[0] in FORBIDDEN}
    assert not offending, sorted(offending)


def test_importing_the_pure_modules_loads_no_web_database_or_broker_library():
    """Transitively too: a pure module may import shared code only when that code is pure at import."""
    code = ("import sys, importlib\n"
            f"for name in {pure_modules()!r}: importlib.import_module(name)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service_and_no_ops(service: str):
    others = tuple(f"services.{s}" for s in SERVICES if s != service) + ("ops",)
    offending = {f"{p.relative_to(ROOT)}: {name}" for p in python_files(ROOT / "services" / service)
                 for name in imported_modules(p) if name == "ops" or name.startswith(tuple(f"{o}." for o in others))
                 or name in others}
    assert not offending, sorted(offending)


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_import_no_view_and_no_entrypoint(service: str):
    folder = ROOT / "services" / service / "use_cases"
    if not folder.exists():
        pytest.skip(f"{service} has no use cases")
    upward = (f"services.{service}.api", *(f"services.{service}.{e}" for e in ENTRYPOINTS))
    offending = {f"{p.relative_to(ROOT)}: {name}" for p in python_files(folder) for name in imported_modules(p)
                 if name in upward or name.startswith(tuple(f"{u}." for u in upward))}
    assert not offending, sorted(offending)


@pytest.mark.parametrize("folder", PURE_FOLDERS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_folders_do_not_reach_into_the_outer_layers(folder: Path):
    service = folder.relative_to(ROOT / "services").parts[0]
    outer = tuple(f"services.{service}.{layer}" for layer in ("api", "use_cases", "adapters", *ENTRYPOINTS))
    offending = {f"{p.relative_to(ROOT)}: {name}" for p in python_files(folder) for name in imported_modules(p)
                 if name in outer or name.startswith(tuple(f"{o}." for o in outer))}
    assert not offending, sorted(offending)


def test_modules_are_small():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for top in ("services", "shared", "ops") for p in python_files(ROOT / top)
             if not p.relative_to(ROOT).as_posix().startswith(GENERATED) and p.name != "__init__.py"}
    too_long = {name: n for name, n in sizes.items() if n > 300}
    assert not too_long, too_long
    assert statistics.median(sizes.values()) < 120
