"""Render an OpenAPI document as one plain, accessible HTML page: no scripts, no other hosts.

Swagger UI as packaged on PyPI (`swagger-ui-bundle` 1.1.0 ships Swagger UI 4.15) cannot render
OpenAPI 3.1, and every newer viewer would be fetched from a CDN; a server-rendered page works
offline, with a screen reader, and without JavaScript.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

_CODE = re.compile(r"`([^`]+)`")
_METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_CONSTRAINTS = (
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("pattern", "pattern"),
    ("format", "format"),
)
_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;
max-width:72rem;padding:0 1rem 4rem}
a{color:#0645ad}code{font:0.92em ui-monospace,monospace;background:#f3f3f3;padding:0 .2em}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}article{border-top:2px solid #ccc;margin-top:1.5rem}
.method{font-weight:700;text-transform:uppercase}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
.notice{border:2px solid #a60;padding:.5rem 1rem;background:#fff8e6}
"""


def _text(value: Any) -> str:
    """Escape text and show `backticked` spans as code."""
    return _CODE.sub(r"<code>\1</code>", html.escape(str(value)))


def _anchor(kind: str, name: str) -> str:
    return html.escape(f"{kind}-{name}", quote=True)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """Return a short HTML description of a schema's type, linking to named schemas."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f'<a href="#{_anchor("schema", name)}">{html.escape(name)}</a>'
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_of(s) for s in schema[key])
    if "allOf" in schema:
        return " and ".join(type_of(s) for s in schema["allOf"])
    if "const" in schema:
        return f"<code>{html.escape(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(
            f"<code>{html.escape(json.dumps(v))}</code>" for v in schema["enum"]
        )
    kind = schema.get("type", "any")
    if kind == "array":
        return "array of " + type_of(schema.get("items", {}))
    if isinstance(kind, list):
        return " or ".join(html.escape(str(k)) for k in kind)
    return html.escape(str(kind))


def constraints_of(schema: dict[str, Any]) -> list[str]:
    """Return a schema's limits, format and default as short HTML phrases."""
    found = [
        f"{label} <code>{html.escape(str(schema[key]))}</code>"
        for key, label in _CONSTRAINTS
        if key in schema
    ]
    for member in schema.get("anyOf", ()):
        found += constraints_of(member)
    if "default" in schema:
        found.append(f"default <code>{html.escape(json.dumps(schema['default']))}</code>")
    return found


def _table(caption: str, headings: Iterable[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _described(schema: dict[str, Any]) -> str:
    parts = [_text(schema["description"])] if schema.get("description") else []
    return "; ".join(parts + constraints_of(schema))


def _parameters(operation: dict[str, Any]) -> str:
    rows = [
        [
            f"<code>{html.escape(p['name'])}</code>",
            html.escape(p["in"]),
            "yes" if p.get("required") else "no",
            type_of(p.get("schema", {})),
            "; ".join(
                ([_text(p["description"])] if p.get("description") else [])
                + constraints_of(p.get("schema", {}))
            ),
        ]
        for p in operation.get("parameters", ())
    ]
    if not rows:
        return ""
    return _table("Parameters", ("Name", "In", "Required", "Type", "Description"), rows)


def _content_types(content: dict[str, Any]) -> str:
    return "<br>".join(
        f"<code>{html.escape(media)}</code>: {type_of(body.get('schema', {}))}"
        for media, body in content.items()
    )


def _responses(operation: dict[str, Any]) -> str:
    rows = []
    for status, answer in operation.get("responses", {}).items():
        names = [_ref_name(h.get("$ref", name)) for name, h in answer.get("headers", {}).items()]
        shown = [
            f'<a href="#{_anchor("header", n)}"><code>{html.escape(n)}</code></a>' for n in names
        ]
        rows.append(
            [
                f"<strong>{html.escape(status)}</strong>",
                _text(answer.get("description", "")),
                _content_types(answer.get("content", {})) or "no body",
                ", ".join(shown) or "—",
            ]
        )
    return _table("Responses", ("Status", "Meaning", "Body", "Headers"), rows)


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    op_id = operation.get("operationId", f"{method}-{path}")
    anchor = _anchor("op", op_id)
    parts = [
        f'<article aria-labelledby="{anchor}"><h3 id="{anchor}">'
        f'<span class="method">{html.escape(method)}</span> <code>{html.escape(path)}</code></h3>',
        f"<p>{_text(operation.get('summary', ''))}</p>",
    ]
    if operation.get("description"):
        parts.append(f"<p>{_text(operation['description'])}</p>")
    needs_token = bool(operation.get("security"))
    parts.append(
        "<p><strong>Access token:</strong> "
        + ("required (<code>Authorization: Bearer …</code>)." if needs_token else "not needed.")
        + "</p>"
    )
    parts.append(_parameters(operation))
    if "requestBody" in operation:
        parts.append(
            "<p><strong>Request body:</strong> "
            + _content_types(operation["requestBody"].get("content", {}))
            + "</p>"
        )
        example = operation["requestBody"].get("content", {}).get("application/json", {})
        if "example" in example:
            shown = json.dumps(example["example"], indent=2, ensure_ascii=False)
            parts.append(f"<p>For example:</p><pre><code>{html.escape(shown)}</code></pre>")
    parts.append(_responses(operation))
    parts.append("</article>")
    return "".join(parts)


def _operations_by_tag(document: dict[str, Any]) -> dict[str, list[tuple[str, str, Any]]]:
    grouped: dict[str, list[tuple[str, str, Any]]] = {
        t["name"]: [] for t in document.get("tags", ())
    }
    for path, methods in sorted(document.get("paths", {}).items()):
        for method in _METHOD_ORDER:
            if method in methods:
                tag = (methods[method].get("tags") or ["other"])[0]
                grouped.setdefault(tag, []).append((path, method, methods[method]))
    return {tag: ops for tag, ops in grouped.items() if ops}


def _schema_section(name: str, schema: dict[str, Any]) -> str:
    anchor = _anchor("schema", name)
    parts = [f'<section aria-labelledby="{anchor}"><h3 id="{anchor}">{html.escape(name)}</h3>']
    if schema.get("description"):
        parts.append(f"<p>{_text(schema['description'])}</p>")
    required = set(schema.get("required", ()))
    rows = [
        [
            f"<code>{html.escape(field)}</code>",
            type_of(prop),
            "yes" if field in required else "no",
            _described(prop),
        ]
        for field, prop in schema.get("properties", {}).items()
    ]
    if rows:
        parts.append(
            _table(
                f"Fields of {html.escape(name)}", ("Field", "Type", "Required", "Description"), rows
            )
        )
    else:
        parts.append(f"<p>Type: {type_of(schema)}.</p>")
    if schema.get("additionalProperties") is False:
        parts.append("<p>Unknown fields are refused.</p>")
    parts.append("</section>")
    return "".join(parts)


def _headers_section(headers: dict[str, Any]) -> str:
    items = "".join(
        f'<dt id="{_anchor("header", name)}"><code>{html.escape(name)}</code></dt>'
        f"<dd>{_text(header.get('description', ''))} Type: {type_of(header.get('schema', {}))}."
        f"{' Always sent where listed.' if header.get('required') else ''}</dd>"
        for name, header in headers.items()
    )
    return (
        '<section aria-labelledby="headers"><h2 id="headers">Response headers</h2>'
        f"<p>Every answer carries <code>X-Request-Id</code>.</p><dl>{items}</dl></section>"
    )


def render_docs_page(document: dict[str, Any]) -> str:
    """Return the whole page for an OpenAPI document."""
    info = document.get("info", {})
    title = html.escape(str(info.get("title", "API")))
    tags = {t["name"]: t.get("description", "") for t in document.get("tags", ())}
    grouped = _operations_by_tag(document)
    schemas = document.get("components", {}).get("schemas", {})
    out = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        '<a class="skip" href="#main">Skip to the operations</a>',
        f"<header><h1>{title} <small>version {html.escape(str(info.get('version', '')))}"
        "</small></h1>",
        f"<p>{_text(info.get('description', ''))}</p>",
        '<p>Machine-readable: <a href="openapi.json">openapi.json</a> '
        f"(OpenAPI {html.escape(str(document.get('openapi', '')))}).</p>",
    ]
    if document.get("x-nestegg-unavailable"):
        missing = ", ".join(html.escape(str(n)) for n in document["x-nestegg-unavailable"])
        out.append(
            f'<p class="notice" role="status">Not documented right now: {missing} '
            "(the service did not publish its part). Reload later.</p>"
        )
    out.append('</header><nav aria-label="Contents"><h2>Contents</h2><ul>')
    for tag, ops in grouped.items():
        links = "".join(
            f'<li><a href="#{_anchor("op", op.get("operationId", ""))}">'
            f'<span class="method">{html.escape(m)}</span> <code>{html.escape(p)}</code></a> '
            f"— {_text(op.get('summary', ''))}</li>"
            for p, m, op in ops
        )
        out.append(
            f'<li><a href="#{_anchor("tag", tag)}">{html.escape(tag)}</a><ul>{links}</ul></li>'
        )
    out.append('<li><a href="#headers">Response headers</a></li>')
    out.append('<li><a href="#schemas">Schemas</a></li></ul></nav><main id="main">')
    for tag, ops in grouped.items():
        anchor = _anchor("tag", tag)
        out.append(f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{html.escape(tag)}</h2>')
        if tags.get(tag):
            out.append(f"<p>{_text(tags[tag])}</p>")
        out += [_operation(p, m, op) for p, m, op in ops]
        out.append("</section>")
    out.append(_headers_section(document.get("components", {}).get("headers", {})))
    out.append('<section aria-labelledby="schemas"><h2 id="schemas">Schemas</h2>')
    out += [_schema_section(name, schema) for name, schema in sorted(schemas.items())]
    out.append("</section></main></body></html>")
    return "\n".join(out)
