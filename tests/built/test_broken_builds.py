"""The built suite can fail: each test breaks a scratch copy of the build the way a real mistake would, and
the suite's own loader (localdev.built + the gateway's isolated instances, as the other tests use them)
reports it, naming what is missing.

  a subpackage left out of the layer (the bug issue 6 found: admin/ was not shipped) -> admin cannot init
  one module left out of the layer                                                  -> ingest cannot init
  a requirement missing from requirements.txt (rebuilt with infra/Makefile)          -> the built function
                                                                                        lacks the package
  a handler path typo in the template (module, or function name)                    -> init fails with
                                                                                        Lambda's error type
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from localdev.built import built_functions
from localdev.gateway import FunctionFailed
from tests.built.conftest import scratch_build, start_pool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch(build_dir, tmp_path):
    return scratch_build(build_dir, tmp_path / "build")


def init_error(function, env, log_path):
    """The loader's report when the function cannot start (fails the test if it does start)."""
    with pytest.raises(FunctionFailed) as failed:
        pool = start_pool(function, env, log_path)
        pool.close()
    return str(failed.value)


def test_a_subpackage_left_out_of_the_layer_fails_the_functions_init(built_world, scratch):
    shutil.rmtree(scratch / "SharedLayer" / "python" / "xwebhook" / "admin")
    function = built_functions(scratch)["AdminFunction"]
    message = init_error(function, built_world.env("AdminFunction"), built_world.log_path)
    assert "Runtime.ImportModuleError: Unable to import module 'app'" in message
    assert "No module named 'xwebhook.admin'" in message


def test_one_module_left_out_of_the_layer_fails_the_functions_init(built_world, scratch):
    package = scratch / "SharedLayer" / "python" / "xwebhook" / "receive"
    (package / "publisher.py").unlink()
    for compiled in (package / "__pycache__").glob("publisher.*.pyc"):
        compiled.unlink()
    function = built_functions(scratch)["IngestFunction"]
    message = init_error(function, built_world.env("IngestFunction"), built_world.log_path)
    assert "No module named 'xwebhook.receive.publisher'" in message


def test_a_requirement_missing_from_requirements_txt_is_reported(built_world, scratch, tmp_path):
    """ingest imports orjson (receive/jsontext.py writes message bodies with it): built without it, the
    function fails its init with Lambda's error naming the package."""
    sources = tmp_path / "ingest"
    shutil.copytree(REPO / "functions" / "ingest", sources)
    requirements = sources / "requirements.txt"
    requirements.write_text("".join(line for line in requirements.read_text().splitlines(True) if "orjson" not in line))
    artifacts = scratch / "IngestFunction"
    artifacts.unlink()  # the link to the real build folder, which stays untouched
    subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", str(REPO / "infra" / "Makefile"), "build-IngestFunction",
         f"ARTIFACTS_DIR={artifacts}", f"PYTHON={built_world.built['IngestFunction'].python}"],
        cwd=sources, check=True, capture_output=True,
    )  # fmt: skip
    function = built_functions(scratch)["IngestFunction"]
    assert (artifacts / "app.py").exists()
    assert not list(artifacts.glob("orjson*"))
    with pytest.raises(FunctionFailed, match=r"Runtime\.ImportModuleError: .*No module named 'orjson'"):
        start_pool(function, built_world.env("IngestFunction"), built_world.log_path).close()


@pytest.mark.parametrize(
    ("handler", "reported"),
    [
        ("ap.handler", "Runtime.ImportModuleError: Unable to import module 'ap': No module named 'ap'"),
        ("app.handlr", "Runtime.HandlerNotFound: Handler 'handlr' missing on module 'app'"),
        ("handler", "Runtime.MalformedHandlerName: Bad handler 'handler'"),
    ],
)
def test_a_handler_path_typo_in_the_template_fails_the_functions_init(built_world, scratch, handler, reported):
    template = scratch / "template.yaml"
    text = template.read_text()
    assert text.count("Handler: app.handler") == 1  # Globals.Function.Handler
    template.write_text(text.replace("Handler: app.handler", f"Handler: {handler}"))
    function = built_functions(scratch)["CrcFunction"]
    assert function.handler == handler
    assert reported in init_error(function, built_world.env("CrcFunction"), built_world.log_path)
