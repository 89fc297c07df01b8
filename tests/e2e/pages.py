"""What every browser test does with a page: keep its screenshot, and check it with axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"  # `make browser` installs it
BLOCKING = ("serious", "critical")


def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot under test-artifacts/ (one per page a test visits)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (the script is evaluated, not injected,
    so the console's content security policy does not block it)."""
    if not AXE.exists():
        if IN_CI:
            pytest.fail(f"CI=true but axe-core is missing at {AXE} (make browser installs it)")
        pytest.skip("axe-core is not installed (make browser)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return list(result)


def assert_accessible(page: Any, name: str) -> None:
    """No serious or critical axe-core violation on the page; the screenshot is kept either way."""
    screenshot(page, name)
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {blocking}"
