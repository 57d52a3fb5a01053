"""Extract the operations we use from X's OpenAPI document: paths, and every component they reference.

The extract is an OpenAPI document of its own (same `openapi` version, X's `info.version`, X's servers),
small enough to read, with `x-extracted-from` saying where it came from:
  {"repository": "xdevplatform/docs", "path": "openapi.json", "commit": "<sha>", "info_version": "2.167",
   "operations": N, "by": "localdev/x_contract (make x-contract)"}
Components are those reachable from the operations through `$ref` (schemas, parameters, responses, ...)
and the security schemes the operations name; nothing else of X's document is kept.
"""

import copy
import json
from functools import cache

from localdev.x_contract import EXTRACT_PATH, OPERATIONS

DEFAULT_REPOSITORY = "xdevplatform/docs"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


class ExtractError(Exception):
    """X's document lacks something we use: the extract is not written."""


def resolve(document, ref):
    """The node a local `$ref` ("#/components/schemas/X") points at."""
    if not ref.startswith("#/"):
        raise ExtractError(f"only local references are supported, got {ref!r}")
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise ExtractError(f"{ref} points at nothing in the document")
        node = node[part]
    return node


def references(node, document, found=None):
    """Every local `$ref` reachable from `node` (following references), in first-seen order."""
    found = {} if found is None else found
    pending = [node]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref not in found:
                found[ref] = None
                pending.append(resolve(document, ref))
            pending.extend(v for k, v in value.items() if k != "$ref")
        elif isinstance(value, list):
            pending.extend(value)
    return list(found)


def missing_operations(document, operations=OPERATIONS):
    paths = document.get("paths") or {}
    return [(method, path) for method, path, _ in operations if method not in (paths.get(path) or {})]


def extract(document, source, operations=OPERATIONS):
    """The extract of `document` for `operations`; `source` is {"repository", "commit", "path"}.
    ExtractError when an operation is missing from the document."""
    missing = missing_operations(document, operations)
    if missing:
        names = ", ".join(f"{method.upper()} {path}" for method, path in missing)
        raise ExtractError(f"X's document no longer has operations we use: {names}")
    paths = {}
    for method, path, _ in operations:
        item = document["paths"][path]
        kept = paths.setdefault(path, {key: copy.deepcopy(value) for key, value in item.items() if key not in METHODS})
        kept[method] = copy.deepcopy(item[method])
    components = {}
    for ref in references(paths, document):
        parts = ref[2:].split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise ExtractError(f"{ref}: only references into components are supported")
        components.setdefault(parts[1], {})[parts[2]] = copy.deepcopy(resolve(document, ref))
    schemes = document.get("components", {}).get("securitySchemes", {})
    used = {
        name for item in paths.values() for op in _operations(item) for req in op.get("security", []) for name in req
    }
    used |= {name for req in document.get("security") or [] for name in req}
    if used:
        components["securitySchemes"] = {name: copy.deepcopy(schemes[name]) for name in sorted(used) if name in schemes}
    info = document.get("info") or {}
    result = {
        "openapi": document.get("openapi", "3.0.0"),
        "info": {
            "title": f"{info.get('title', 'X API')}: the operations xwebhook uses",
            "version": str(info.get("version", "")),
            "description": (
                "Extracted from X's published OpenAPI document by localdev/x_contract (make x-contract). "
                "Do not edit: regenerate it from a newer document."
            ),
        },
        "x-extracted-from": {
            "repository": source.get("repository") or DEFAULT_REPOSITORY,
            "path": source.get("path") or "openapi.json",
            "commit": source.get("commit") or "unknown",
            "info_version": str(info.get("version", "")),
            "operations": len(operations),
            "by": "localdev/x_contract (make x-contract)",
        },
    }
    if document.get("servers"):
        result["servers"] = copy.deepcopy(document["servers"])
    if document.get("security"):
        result["security"] = copy.deepcopy(document["security"])
    result["paths"] = paths
    result["components"] = {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}
    return result


def _operations(path_item):
    return [value for key, value in path_item.items() if key in METHODS and isinstance(value, dict)]


def operation(extract_document, method, path):
    return extract_document["paths"][path][method]


def to_text(extract_document):
    return json.dumps(extract_document, indent=1, ensure_ascii=False) + "\n"


@cache
def load():
    """The committed extract (read once per process)."""
    return json.loads(EXTRACT_PATH.read_text(encoding="utf-8"))
