"""What changed between two extracts of X's document, for a person: operations, parameters, request
bodies, responses, security and scopes, schemas, and the XAA event types.

`report(before, after)` -> lines. `before` None (no extract yet): every operation, schema and event type
is listed as new.
"""

import json

from localdev.x_contract import OPERATIONS
from localdev.x_contract.catalogue import enum_types, known_scopes
from localdev.x_contract.extract import resolve

MAX_LINES_PER_SCHEMA = 12


def _short(value, limit=80):
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def deep_changes(before, after, path="$"):
    """Lines saying where `after` differs from `before` (JSON values)."""
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in before:
            if key not in after:
                lines.append(f"{path}.{key}: removed (was {_short(before[key])})")
        for key in after:
            if key not in before:
                lines.append(f"{path}.{key}: added {_short(after[key])}")
            else:
                lines.extend(deep_changes(before[key], after[key], f"{path}.{key}"))
        return lines
    if isinstance(before, list) and isinstance(after, list):
        scalars = all(not isinstance(v, (dict, list)) for v in before + after)
        if scalars and before != after:
            added = [v for v in after if v not in before]
            removed = [v for v in before if v not in after]
            if not added and not removed:
                return [f"{path}: reordered"]
            parts = [f"+ {_short(v, 60)}" for v in added] + [f"- {_short(v, 60)}" for v in removed]
            return [f"{path}: {', '.join(parts)}"]
        if len(before) != len(after):
            return [f"{path}: {len(before)} -> {len(after)} items"]
        lines = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            lines.extend(deep_changes(old, new, f"{path}[{index}]"))
        return lines
    if before != after:
        return [f"{path}: {_short(before, 60)} -> {_short(after, 60)}"]
    return []


def _parameters(document, op):
    found = {}
    for parameter in op.get("parameters") or []:
        if "$ref" in parameter:
            parameter = resolve(document, parameter["$ref"])
        found[f"{parameter.get('in')}:{parameter.get('name')}"] = parameter
    return found


def _security(op):
    parts = []
    for requirement in op.get("security") or []:
        for name, scopes in requirement.items():
            parts.append(f"{name}[{' '.join(sorted(scopes))}]" if scopes else name)
    return " | ".join(parts) or "none"


def _body(op):
    body = op.get("requestBody")
    if not body:
        return "no body"
    schema = (body.get("content") or {}).get("application/json", {}).get("schema", {})
    name = schema.get("$ref", "").rsplit("/", 1)[-1] or _short(schema, 40)
    return f"{'required' if body.get('required') else 'optional'} body {name}"


def _responses(op):
    found = {}
    for status, response in (op.get("responses") or {}).items():
        schemas = []
        for media, content in (response.get("content") or {}).items():
            schemas.append(f"{media} {content.get('schema', {}).get('$ref', '').rsplit('/', 1)[-1]}")
        found[status] = ", ".join(schemas) or "no content"
    return found


def _describe_parameter(parameter):
    schema = parameter.get("schema") or {}
    facts = [key for key in ("required",) if parameter.get(key)]
    if "$ref" in schema:
        facts.append("schema " + schema["$ref"].rsplit("/", 1)[-1])
    facts += [
        f"{key} {_short(schema[key], 50)}"
        for key in ("type", "pattern", "minLength", "maxLength", "minimum", "maximum", "enum", "minItems", "maxItems")
        if key in schema
    ]
    return ", ".join(facts)


def _operation_lines(before_doc, after_doc, method, path, purpose):
    where = f"{method.upper()} {path}"
    new_op = after_doc["paths"].get(path, {}).get(method)
    old_op = (before_doc or {}).get("paths", {}).get(path, {}).get(method) if before_doc else None
    if new_op is None:
        return [f"  - {where}: gone from X's document ({purpose})"]
    if old_op is None:
        lines = [f"  + {where} ({new_op.get('operationId')}; {purpose})", f"      security: {_security(new_op)}"]
        for key, parameter in _parameters(after_doc, new_op).items():
            lines.append(f"      parameter {key}: {_describe_parameter(parameter)}")
        lines.append(
            f"      {_body(new_op)}; responses: " + "; ".join(f"{s} {v}" for s, v in _responses(new_op).items())
        )
        return lines
    lines = []
    if _security(old_op) != _security(new_op):
        lines.append(f"      security: {_security(old_op)} -> {_security(new_op)}")
    old_params, new_params = _parameters(before_doc, old_op), _parameters(after_doc, new_op)
    for key in old_params.keys() - new_params.keys():
        lines.append(f"      parameter {key}: removed")
    for key, parameter in new_params.items():
        if key not in old_params:
            lines.append(f"      parameter {key}: added ({_describe_parameter(parameter)})")
        else:
            for change in deep_changes(old_params[key], parameter, "$"):
                lines.append(f"      parameter {key}: {change}")
    if _body(old_op) != _body(new_op):
        lines.append(f"      {_body(old_op)} -> {_body(new_op)}")
    old_responses, new_responses = _responses(old_op), _responses(new_op)
    for status in sorted(old_responses.keys() | new_responses.keys()):
        if old_responses.get(status) != new_responses.get(status):
            lines.append(f"      response {status}: {old_responses.get(status)} -> {new_responses.get(status)}")
    if (old_op.get("description") or "") != (new_op.get("description") or ""):
        lines.append(f"      description changed: now {_short(new_op.get('description') or '', 200)}")
    return [f"  ~ {where}", *lines] if lines else []


def report(before, after, findings=()):
    """The lines `make x-contract` prints."""
    source = after.get("x-extracted-from", {})
    lines = [f"X's contract: {source.get('repository')} {source.get('path')}"]
    if before is None:
        lines.append("  before: no extract (everything below is new)")
    else:
        old = before.get("x-extracted-from", {})
        lines.append(f"  before: commit {old.get('commit')} (info.version {old.get('info_version')})")
    lines.append(f"  after:  commit {source.get('commit')} (info.version {source.get('info_version')})")

    operation_lines = []
    for method, path, purpose in OPERATIONS:
        operation_lines.extend(_operation_lines(before, after, method, path, purpose))
    lines.append(f"operations we use ({len(OPERATIONS)}): {'no change' if not operation_lines else ''}".rstrip())
    lines.extend(operation_lines)

    old_schemas = (before or {}).get("components", {}).get("schemas", {})
    new_schemas = after.get("components", {}).get("schemas", {})
    schema_lines = []
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        schema_lines.append(f"  - {name}")
    for name in sorted(new_schemas):
        if name not in old_schemas:
            schema_lines.append(f"  + {name}")
            continue
        changes = deep_changes(old_schemas[name], new_schemas[name])
        if changes:
            schema_lines.append(f"  ~ {name}")
            schema_lines.extend(f"      {change}" for change in changes[:MAX_LINES_PER_SCHEMA])
            if len(changes) > MAX_LINES_PER_SCHEMA:
                schema_lines.append(f"      ... and {len(changes) - MAX_LINES_PER_SCHEMA} more")
    lines.append(f"schemas they reference ({len(new_schemas)}): {'no change' if not schema_lines else ''}".rstrip())
    lines.extend(schema_lines)

    old_scopes = known_scopes(before) if before else set()
    new_scopes = known_scopes(after)
    scope_lines = [f"  + {scope}" for scope in sorted(new_scopes - old_scopes)]
    scope_lines += [f"  - {scope}" for scope in sorted(old_scopes - new_scopes)]
    lines.append(f"OAuth 2.0 scopes X defines ({len(new_scopes)}): {'no change' if not scope_lines else ''}".rstrip())
    lines.extend(scope_lines)

    old_types = enum_types(before) if before else []
    new_types = enum_types(after)
    type_lines = [f"  + {name}" for name in new_types if name not in old_types]
    type_lines += [f"  - {name}" for name in old_types if name not in new_types]
    lines.append(f"XAA event types X takes ({len(new_types)}): {'no change' if not type_lines else ''}".rstrip())
    lines.extend(type_lines)

    lines.append(f"our catalogue against this document (x_api/event_types.py): {len(findings)} finding(s)")
    lines.extend(f"  ! {name}: {what}" for name, what in findings)
    return lines
