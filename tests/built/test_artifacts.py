"""What the build folders hold: the shared layer ships every module of src/xwebhook but cli/ and send/, as the sources
are now, precompiled for the runtime; each function's folder has the packages its requirements.txt pins; and
a built function imports every third-party package its sources import (an optional import that finds
nothing falls back silently, so a requirement missing from requirements.txt would not fail its init).
"""

import re
from pathlib import Path

import pytest

from localdev.built import from_sources, source_modules
from tests.built.conftest import start_pool
from tests.built.test_every_function import FUNCTION_IDS

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "src" / "xwebhook"


def requirement_pins(path):
    """{normalised name: version} of a requirements.txt's `name==version` lines."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name.strip()).lower()] = version.strip()
    return pins


def installed_distributions(folder):
    """{normalised name: version} of the *.dist-info folders in `folder`."""
    found = {}
    for info in Path(folder).glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def third_party(modules, roots):
    """Top-level names of the modules loaded from under `roots` (site-packages, build folders)."""
    names = set()
    for name, path in modules.items():
        if any(path.startswith(root.rstrip("/") + "/") for root in roots):
            names.add(name.split(".", 1)[0])
    return names


# Optional imports of libraries that find these in the dev venv and do without them in Lambda:
# botocore's (certifi, awscrt: the SDK's business) and oauthlib's blinker (signals nobody here uses).
SDK_OPTIONAL = {"certifi", "awscrt", "blinker"}


def missing_packages(source_report, built_report, source_roots, built_function):
    """Third-party top-level modules the sources import that the built function does not (the runtime's
    SDK aside: its version differs on purpose, and with it what it imports)."""
    wanted = third_party(source_report["modules"], source_roots)
    roots = [built_function.task_root, *built_function.layers, built_function.sdk_dir]
    sdk = {path.name.removesuffix(".py") for path in Path(built_function.sdk_dir).iterdir()}
    return sorted(wanted - third_party(built_report["modules"], roots) - {"xwebhook"} - sdk - SDK_OPTIONAL)


def layers(built):
    return sorted({layer for function in built.values() for layer in function.layers})


def test_the_layer_ships_every_module_of_the_package_but_the_developer_tools_exactly_as_the_sources_are(built):
    for layer in layers(built):
        python = Path(layer) / "python"
        shipped = sorted(str(path.relative_to(python)) for path in python.rglob("*.py"))
        assert shipped == source_modules(SOURCE), "the layer's modules differ from src/xwebhook (minus cli/ and send/)"
        stale = [name for name in shipped if (python / name).read_bytes() != (REPO / "src" / name).read_bytes()]
        assert stale == [], f"the build is older than the sources (run make build): {stale}"
        data = sorted(str(path.relative_to(python)) for path in python.rglob("*.json"))
        assert data == ["xwebhook/contract/message.schema.json"], "the package data (the message schema) ships"
        assert (python / data[0]).read_bytes() == (REPO / "src" / data[0]).read_bytes()


def test_the_layer_has_no_developer_tool_no_egg_info_and_no_third_party_package(built):
    for layer in layers(built):
        python = Path(layer) / "python"
        assert not (python / "xwebhook" / "cli").exists()
        assert not (python / "xwebhook" / "send").exists()
        assert sorted(path.name for path in python.iterdir()) == ["xwebhook"]


def test_every_module_of_the_layer_is_precompiled_for_the_runtime(built):
    for logical_id, function in built.items():
        tag = "cpython-" + function.python_version.replace(".", "")
        for layer in function.layers:
            for module in (Path(layer) / "python").rglob("*.py"):
                compiled = module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc"
                assert compiled.exists(), f"{logical_id}: {module} has no {compiled.name}"


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_the_function_folder_has_every_package_its_requirements_pin(built, logical_id):
    function = built[logical_id]
    pins = requirement_pins(Path(function.task_root) / "requirements.txt")
    installed = installed_distributions(function.task_root)
    assert {name: installed.get(name) for name in pins} == pins


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_the_built_function_imports_every_third_party_package_its_sources_import(built_world, logical_id):
    import site

    function = built_world.built[logical_id]
    env = built_world.env(logical_id)
    source = start_pool(from_sources(function), env, built_world.log_path)
    try:
        source_report = source.last_report
    finally:
        source.close()
    built_report = built_world.pool(logical_id).last_report
    assert missing_packages(source_report, built_report, site.getsitepackages(), function) == []
