"""The HTML page of the AsyncAPI document for `docs/`: a static page with Russian headings, rendered with Jinja2.

The official `@asyncapi/html-template` renders an English interface into a 3 MB page and needs Node at
`mentoring schemas --write`; this page reads the same document (so it can never disagree with it) and is plain HTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from shared.event_catalog import PERSONAL_DATA

PAGE_PATH = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.html"
TEMPLATES = Path(__file__).parent / "templates"


def inline_code(text: str) -> Markup:
    """Escape the text and show `backquoted` parts as code, as the document's Markdown description means them."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def field_type(schema: dict[str, Any]) -> str:
    """A field's type as a reader wants it: `string (date-time)`, `array[string]`, `integer | null`."""
    if "anyOf" in schema:
        return " | ".join(field_type(option) for option in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array[{field_type(schema.get('items', {}))}]"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a payload's table, in the schema's own order."""
    required = set(schema.get("required", []))
    return [{"name": name, "type": field_type(prop), "required": name in required,
             "description": prop.get("description", ""), "personal": prop.get(PERSONAL_DATA)}
            for name, prop in schema["properties"].items()]


def render_page(document: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["inline_code"] = inline_code
    schemas = document["components"]["schemas"]
    messages = document["components"]["messages"]
    channels = [{"key": key, "address": channel["address"], "message": messages[key],
                 "payload": messages[key]["payload"]["properties"]["data"]["$ref"].rsplit("/", 1)[1]}
                for key, channel in sorted(document["channels"].items())]
    payloads = [{"name": name, "fields": fields(schema), "description": schema.get("description", ""),
                 "used_by": [c["address"] for c in channels if c["payload"] == name]}
                for name, schema in sorted(schemas.items()) if name != "NatsHeaders"]
    description = [paragraph.replace("\n", " ") for paragraph in document["info"]["description"].split("\n\n")]
    return env.get_template("asyncapi.html").render(
        asyncapi=document["asyncapi"], info=document["info"], description=description,
        servers=sorted(document["servers"].items()), channels=channels, payloads=payloads,
        envelope=channels[0]["message"]["payload"]["properties"])
