"""No module does I/O at import (the pure folders are checked in test_architecture.py)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import ops
import services
import shared

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_SCRIPTS = ("ops.migrations.env", "ops.migrations.versions")  # run by Alembic, not imported


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
