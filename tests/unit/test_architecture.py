"""The direction of dependencies between the packages of src/xwebhook (docs/architecture.md), read from the
sources with ast: every import, at module level or inside a function, points down the layers, or along one of
the few edges allowed within a layer. A failure names each offending import, its file and line, and the rule.

    functions/*/app.py                               thin handlers
    admin connect migrate recovery cli send          capabilities: what a person or X asks for
    receive accounts                                 what the capabilities keep
    x_api credentials contract aws env errors ...    shared parts: know no capability

An arrow up this picture is a cycle waiting to happen: a type two layers need belongs in the lower one.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "xwebhook"

# Top to bottom. A unit is a package of src/xwebhook or one of its top-level modules.
LAYERS = (
    ("capabilities", frozenset({"admin", "connect", "migrate", "recovery", "cli", "send"})),
    ("what the capabilities keep", frozenset({"receive", "accounts"})),
    (
        "shared parts",
        frozenset(
            {
                "x_api",
                "credentials",
                "contract",
                "aws",
                "env",
                "errors",
                "http_api",
                "lambda_context",
                "log_line",
                "look",
                "observability",
                "utc",
            }
        ),
    ),
)
# The only imports allowed within a layer, each one-way, with why.
ALONG = {
    ("admin", "migrate"): "admin dispatches the migrate actions and runs ensure's xaa part",
    ("admin", "recovery"): "admin wires ensure's recovery part and its state; recovery never imports admin",
    ("cli", "send"): "`xwebhook send` sends with send/deliveries.py",
    ("credentials", "x_api"): "the credentials secret holds X's user token sets (x_api/tokens.py) and X ids",
    ("credentials", "env"): "the secrets' settings",
    ("credentials", "errors"): "CredentialsError is a ReportedError",
    ("x_api", "errors"): "XError is a ReportedError",
    ("x_api", "utc"): "X's rate-limit reset times",
}
# What the handlers on X's clock may load at all (their cold start is what X's deadline sees).
LEAN_HANDLERS = ("crc", "ingest")
LEAN = frozenset({"receive", "credentials", "aws", "env", "http_api", "lambda_context", "log_line", "errors"})


def layer_of(unit):
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    return None


def unit_of(module):
    """`xwebhook.x_api.client` -> "x_api"; `xwebhook` itself -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "xwebhook" and len(parts) > 1 else None


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, name):
    """(line, module) of every import in `path` (the module `name`), relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "xwebhook":  # from xwebhook import utc
                for alias in node.names:
                    yield node.lineno, f"xwebhook.{alias.name}"
            else:
                yield node.lineno, base


def package_imports():
    """(path, line, importing unit, imported module, imported unit) of every import between two units."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        unit = unit_of(name)
        for line, module in imported_modules(path, name):
            target = unit_of(module)
            if unit is not None and target is not None and target != unit:
                found.append((path.relative_to(REPO), line, unit, module, target))
    return found


def units():
    return {unit_of(module_name(path)) for path in PACKAGE.rglob("*.py")} - {None}


def test_every_package_and_top_level_module_has_its_place_in_the_layers():
    unplaced = sorted(unit for unit in units() if layer_of(unit) is None)
    assert unplaced == [], f"place these in LAYERS (and docs/architecture.md): {unplaced}"


def test_no_layer_names_a_unit_that_is_not_there():
    named = set().union(*(members for _, members in LAYERS))
    assert sorted(named - units()) == []


def test_every_import_points_down_the_layers_or_along_an_allowed_edge():
    wrong = []
    for path, line, unit, module, target in package_imports():
        below, here = layer_of(target), layer_of(unit)
        if below is None or here is None or below > here or (unit, target) in ALONG:
            continue
        rule = "up" if below < here else "along"
        wrong.append(
            f"{path}:{line} imports {module}: {unit} ({LAYERS[here][0]}) may not import {target} "
            f"({LAYERS[below][0]}), {rule} the layers"
        )
    assert wrong == [], "imports against the direction of dependencies:\n" + "\n".join(wrong)


def test_the_edges_allowed_within_a_layer_stay_within_one_and_make_no_cycle():
    for source, target in ALONG:
        assert layer_of(source) == layer_of(target), (source, target)
    reached = {source: {target for s, target in ALONG if s == source} for source, _ in ALONG}
    changed = True
    while changed:  # the transitive closure: small enough to compute by hand
        changed = False
        for targets in reached.values():
            more = set().union(*(reached.get(target, set()) for target in targets)) - targets
            if more:
                targets |= more
                changed = True
    assert sorted(source for source, targets in reached.items() if source in targets) == []


def test_no_two_packages_import_each_other():
    edges = {(unit, target) for _, _, unit, _, target in package_imports()}
    assert sorted((a, b) for a, b in edges if (b, a) in edges and a < b) == []


def test_every_allowed_edge_is_used_so_the_list_stays_true():
    edges = {(unit, target) for _, _, unit, _, target in package_imports()}
    assert sorted(set(ALONG) - edges) == []


@pytest.mark.parametrize("function", LEAN_HANDLERS)
def test_the_handlers_on_xs_clock_import_only_receive_and_the_shared_parts_they_need(function):
    path = REPO / "functions" / function / "app.py"
    imported = {unit_of(module) for _, module in imported_modules(path, "app")} - {None}
    assert sorted(imported - LEAN) == []


def test_the_rule_reads_an_import_inside_a_function_and_names_it(tmp_path):
    source = tmp_path / "xwebhook" / "x_api" / "late.py"
    source.parent.mkdir(parents=True)
    source.write_text("def later():\n    from xwebhook.accounts.models import Account\n    return Account\n")
    found = list(imported_modules(source, "xwebhook.x_api.late"))
    assert found == [(2, "xwebhook.accounts.models")]
    assert layer_of(unit_of(found[0][1])) < layer_of("x_api")


def test_a_relative_import_is_read_as_the_module_it_names(tmp_path):
    source = tmp_path / "xwebhook" / "admin" / "near.py"
    source.parent.mkdir(parents=True)
    source.write_text("from ..migrate import plan\nfrom . import errors\n")
    assert list(imported_modules(source, "xwebhook.admin.near")) == [(1, "xwebhook.migrate"), (2, "xwebhook.admin")]
