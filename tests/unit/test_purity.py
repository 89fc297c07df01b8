"""No module does I/O at import; pure domain modules import no web, database or broker library."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import ops
import services
import shared

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = ["shared.dictionaries", "services.registry.importer", "services.matching.domain",
                "services.matching.solver", "services.matching.workflow", "services.matching.documents",
                "services.reports.indicators", "services.reports.assessment"]
ALEMBIC_SCRIPTS = ("ops.migrations.env", "ops.migrations.versions")  # run by Alembic, not imported
FORBIDDEN = ("flask", "sqlalchemy", "sqlmodel", "nats", "flask_openapi3", "psycopg")


def all_modules() -> list[str]:
    names = []
    for package in (shared, services, ops):
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if not info.name.startswith(ALEMBIC_SCRIPTS):
                names.append(info.name)
    return sorted(names)


AUDIT = """
import sys
seen = []
def hook(event, args):
    if event in ("socket.connect", "sqlite3.connect", "subprocess.Popen", "os.mkdir", "shutil.rmtree"):
        seen.append(event)
    elif event == "open" and args[1] and any(m in str(args[1]) for m in ("w", "a", "+", "x")):
        seen.append(f"open {args[0]} {args[1]}")
sys.addaudithook(hook)
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
if seen:
    print("\\n".join(seen)); sys.exit(1)
"""


def test_importing_every_module_does_no_io():
    result = subprocess.run([sys.executable, "-c", AUDIT, *all_modules()], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_no_web_database_or_broker_library(module):
    if not (ROOT / (module.replace(".", "/") + ".py")).exists():
        pytest.skip(f"{module} not written yet")
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            f"print([m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
