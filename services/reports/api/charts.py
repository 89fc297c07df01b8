"""The geometry of the dashboard's inline SVG charts."""

from __future__ import annotations

from typing import Any


def bars(values: list[tuple[str, float]], width: int = 560, height: int = 180) -> list[dict[str, Any]]:
    """Bar geometry for an inline SVG chart."""
    top = max((v for _, v in values), default=0) or 1
    step = width / max(len(values), 1)
    return [{"x": round(k * step + 4, 1), "w": round(step - 8, 1), "h": round(v / top * (height - 30), 1),
             "y": round(height - 20 - v / top * (height - 30), 1), "label": name, "value": v}
            for k, (name, v) in enumerate(values)]


def line(values: list[tuple[str, float | None]], width: int = 560, height: int = 180) -> dict[str, Any]:
    """A polyline of percentages (0–100) with its labelled points; a missing value is drawn as 0."""
    step = width / max(len(values) - 1, 1)
    points = [(round(k * step, 1), round(height - 20 - (v or 0) / 100 * (height - 30), 1), name, v)
              for k, (name, v) in enumerate(values)]
    return {"path": " ".join(f"{x},{y}" for x, y, _, _ in points), "points": points}
