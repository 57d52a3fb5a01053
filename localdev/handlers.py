"""Load the real Lambda handlers from functions/<name>/app.py (or any handler file), each as its own module.

Every function's file is called app.py, as SAM expects, so they are imported by path under distinct
names. The environment a handler reads at import is set for the duration of the import, as Lambda
sets it before loading the function's code.
"""

import importlib.util
import os
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUNCTIONS = ("crc", "ingest", "admin", "connect")


@contextmanager
def environment(values):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update({name: str(value) for name, value in values.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_function(name, env, module_name=None):
    """Import functions/<name>/app.py with `env` set, as a fresh module; returns the module."""
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}; expected one of {FUNCTIONS}")
    return load_module(REPO / "functions" / name / "app.py", env, module_name or f"xwebhook_function_{name}")


def load_module(path, env, module_name):
    """Import the handler file at `path` with `env` set, as a fresh module named `module_name`."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    with environment(env):
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
    # Lambda's environment lasts as long as the instance: localdev.testing.invoke sets it again around each
    # call, for code that reads it lazily (the admin function makes its AWS clients on first use).
    module.LAMBDA_ENVIRONMENT = dict(env)
    return module
