"""`mentoring schemas`: the event catalog's published files — a JSON Schema per type, the AsyncAPI document and
its page in docs/ — written (`--write`) or checked against what is on disk."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def published_files() -> dict[Path, str]:
    """Each published file's path and the text it must hold, generated from the catalog."""
    from ops.asyncapi_page import PAGE_PATH, render_page
    from shared.asyncapi import DOCUMENT_PATH, build_document, render_yaml
    from shared.event_catalog import CATALOG, SCHEMA_DIR, json_schema

    document = build_document()
    published = {SCHEMA_DIR / f"{type_}.json": json.dumps(json_schema(type_), ensure_ascii=False, indent=2,
                                                         sort_keys=True) + "\n" for type_ in sorted(CATALOG)}
    published[DOCUMENT_PATH] = render_yaml(document)
    published[PAGE_PATH] = render_page(document)
    return published


def write_or_check(write: bool) -> int:
    """Write every file, or name the stale ones and return 1; each path is printed."""
    stale = []
    for path, text in published_files().items():
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
        print(os.path.relpath(path, ROOT))
    if stale:
        print("устарели (обновите: mentoring schemas --write): " + ", ".join(os.path.relpath(p, ROOT) for p in stale),
              file=sys.stderr)
        return 1
    return 0
