"""`sam build`'s output as Lambda runs it: every function of .aws-sam/build/template.yaml, found from the
template, with the paths its interpreter may see.

    functions = built_functions()                 # {logical id: BuiltFunction}, from the built template
    functions["IngestFunction"].sys_path          # build folder, layers, the runtime's boto3 - nothing else
    Gateway(envs, built=functions, routes=http_routes(functions))   # serve them (localdev.gateway)

Nothing here knows which functions exist: each `AWS::Serverless::Function` of the template (one behind a
Condition too: sam build builds it, and a deployment with other parameters ships it) is read for its
Handler, Runtime, CodeUri, Layers, MemorySize, Timeout and Events, with Globals.Function's values where
the function has none (SAM appends a function's Layers to Globals').
Layers that are resources of the template (`!Ref SharedLayer`) are their build folders; layers given
by ARN come from outside (the Parameters and Secrets extension: localdev.extension_stub stands in).

The runtime's boto3: Lambda's python3.13 runtime brings boto3/botocore, and functions do not package
them. `make test` installs requirements/lambda-runtime.txt (pinned, see there for the version) into
.lambda-runtime/python, and only that directory stands for the runtime's packages.
"""

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from localdev.template import NO_VALUE, TemplateError, TemplateEvaluator, load_template

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / ".aws-sam" / "build"
RUNTIME_SDK_DIR = REPO / ".lambda-runtime" / "python"
FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
EXTENSION_LAYER = re.compile(r":layer:AWS-Parameters-and-Secrets-Lambda-Extension(-Arm64)?:\d+$")


class BuildProblem(Exception):
    """The build (or its template) cannot be run as Lambda would run it; the message says where."""


@dataclass
class BuiltFunction:
    logical_id: str
    handler: str
    runtime: str
    task_root: str  # the function's build folder (/var/task in Lambda)
    layers: list  # build folders of the template's own layers, in the function's order (/opt)
    external_layers: list  # layer ARNs from outside the template
    sdk_dir: str  # the runtime's boto3 (and its dependencies)
    python: str  # an interpreter of the runtime's version
    memory_mb: int = 128
    timeout: float = 3.0
    stack_name: str = "xwebhook-built"
    routes: list = field(default_factory=list)  # [(method, path)] of its HttpApi events
    event_types: list = field(default_factory=list)  # the Type of each of its Events (HttpApi, SQS, ...)
    isolated: bool = True  # False: the function's source folder, loaded with the repository and its venv

    @property
    def python_version(self):
        return self.runtime.removeprefix("python")

    @property
    def sys_path(self):
        """Lambda's order: the task root, the layers' site-packages and python folders, the runtime's packages."""
        if not self.isolated:
            return [self.task_root]
        site = [
            str(Path(layer) / "python" / "lib" / f"python{self.python_version}" / "site-packages")
            for layer in self.layers
        ]
        python = [str(Path(layer) / "python") for layer in self.layers]
        return [self.task_root, *site, *python, self.sdk_dir]

    @property
    def function_name(self):
        return f"{self.stack_name}-{self.logical_id}"

    def lambda_variables(self):
        """What Lambda itself sets in every function's environment (the template's variables come on top)."""
        return {
            "LAMBDA_TASK_ROOT": self.task_root,
            "_HANDLER": self.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
        }

    def uses_extension(self):
        return any(EXTENSION_LAYER.search(arn) for arn in self.external_layers)


def runtime_python(runtime):
    """An interpreter of `runtime`'s version (python3.13): this one when it matches, else pythonX.Y on PATH."""
    import shutil

    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime or "")
    if not match:
        raise BuildProblem(f"runtime {runtime!r} is not a Python runtime")
    wanted = (int(match[1]), int(match[2]))
    if sys.version_info[:2] == wanted:
        return getattr(sys, "_base_executable", None) or sys.executable
    found = shutil.which(runtime)
    if not found:
        raise BuildProblem(f"the functions run on {runtime}: put {runtime} on PATH (pyenv: PYENV_VERSION)")
    return found


def _property(resource, globals_, name, default=None):
    value = (resource.get("Properties") or {}).get(name)
    return globals_.get(name, default) if value is None else value


def _layer_entries(entry, evaluator, resources, where):
    """[("local", logical id) | ("external", arn)] for one entry of a Layers list."""
    if isinstance(entry, dict) and set(entry) == {"Ref"} and entry["Ref"] in resources:
        target = resources[entry["Ref"]]
        if target.get("Type") not in LAYER_TYPES:
            raise BuildProblem(f"{where}: Ref {entry['Ref']} is a {target.get('Type')}, not a layer")
        return [("local", entry["Ref"])]
    if isinstance(entry, dict) and set(entry) == {"Fn::If"}:
        name, when_true, when_false = entry["Fn::If"]
        chosen = when_true if evaluator.condition(name, where) else when_false
        return _layer_entries(chosen, evaluator, resources, where)
    value = evaluator.resolve(entry, where)
    if value is NO_VALUE:
        return []
    if not isinstance(value, str):
        raise BuildProblem(f"{where}: a layer must be a layer ARN, got {value!r}")
    return [("external", value)]


def built_functions(build_dir=BUILD_DIR, sdk_dir=RUNTIME_SDK_DIR, parameters=None, stack_name="xwebhook-built"):
    """{logical id: BuiltFunction} for every function of `build_dir`/template.yaml."""
    build_dir = Path(build_dir)
    template_file = build_dir / "template.yaml"
    if not template_file.exists():
        raise BuildProblem(f"{template_file} not found: run `make build` (sam build) first")
    try:
        template = load_template(template_file)
    except TemplateError as exc:
        raise BuildProblem(str(exc)) from None
    if not Path(sdk_dir, "boto3").is_dir():
        raise BuildProblem(f"the runtime's boto3 is not in {sdk_dir}: run `make runtime-sdk`")
    evaluator = TemplateEvaluator(template, parameters, stack_name)
    resources = template["Resources"]
    globals_ = (template.get("Globals") or {}).get("Function") or {}
    functions = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != FUNCTION_TYPE:
            continue
        where = f"Resources.{logical_id}.Properties"
        properties = resource.get("Properties") or {}
        if properties.get("PackageType", "Zip") != "Zip" or "InlineCode" in properties:
            raise BuildProblem(f"{where}: only zip functions built from a CodeUri are supported here")
        code_uri = properties.get("CodeUri", globals_.get("CodeUri"))
        if not isinstance(code_uri, str):
            raise BuildProblem(f"{where}.CodeUri: expected the build folder's name, got {code_uri!r}")
        task_root = (build_dir / code_uri).resolve()
        if not task_root.is_dir():
            raise BuildProblem(f"{where}.CodeUri: {task_root} is not a folder: sam build did not build {logical_id}")
        runtime = evaluator.resolve(_property(resource, globals_, "Runtime"), f"{where}.Runtime")
        handler = evaluator.resolve(_property(resource, globals_, "Handler"), f"{where}.Handler")
        if not isinstance(handler, str) or not handler:
            raise BuildProblem(f"{where}.Handler: not set")
        layers, external = [], []
        for index, entry in enumerate([*(globals_.get("Layers") or []), *(properties.get("Layers") or [])]):
            for kind, value in _layer_entries(entry, evaluator, resources, f"{where}.Layers[{index}]"):
                if kind == "external":
                    external.append(value)
                    continue
                content = (resources[value].get("Properties") or {}).get("ContentUri")
                folder = (build_dir / str(content)).resolve()
                if not folder.is_dir():
                    raise BuildProblem(
                        f"Resources.{value}.ContentUri: {folder} is not a folder: the layer was not built"
                    )
                layers.append(str(folder))
        events = properties.get("Events") or {}
        routes = []
        for event in events.values():
            if (event or {}).get("Type") == "HttpApi":
                event_properties = event.get("Properties") or {}
                method = str(event_properties.get("Method", "ANY")).upper()
                routes.append((method, str(event_properties.get("Path", "/"))))
        functions[logical_id] = BuiltFunction(
            logical_id=logical_id,
            handler=handler,
            runtime=runtime,
            task_root=str(task_root),
            layers=layers,
            external_layers=external,
            sdk_dir=str(Path(sdk_dir).resolve()),
            python=runtime_python(runtime),
            memory_mb=int(float(evaluator.resolve(_property(resource, globals_, "MemorySize", 128), where))),
            timeout=float(evaluator.resolve(_property(resource, globals_, "Timeout", 3), where)),
            stack_name=stack_name,
            routes=routes,
            event_types=[str((event or {}).get("Type")) for event in events.values()],
        )
    if not functions:
        raise BuildProblem(f"{template_file} has no {FUNCTION_TYPE}")
    return functions


def from_sources(function, template=None):
    """The same function loaded from its source folder (the source template's CodeUri) in this venv: what
    the built function is compared with (a package the sources import but the build lacks)."""
    from dataclasses import replace

    source = template or load_template()
    code_uri = (source["Resources"][function.logical_id].get("Properties") or {}).get("CodeUri")
    task_root = (REPO / "infra" / str(code_uri)).resolve()
    return replace(function, task_root=str(task_root), layers=[], python=sys.executable, isolated=False)


def http_routes(functions):
    """{(method, path): logical id} of every HttpApi event of `functions`, for the local gateway."""
    return {route: logical_id for logical_id, function in functions.items() for route in function.routes}


def template_path(build_dir=BUILD_DIR):
    return Path(build_dir) / "template.yaml"


NOT_DEPLOYED = ("cli", "send")  # the developer tools of src/xwebhook: infra/Makefile leaves them out of the layer


def source_modules(source=REPO / "src" / "xwebhook", excluded=NOT_DEPLOYED):
    """Relative paths of the package's .py files that a layer must ship (everything but `excluded`)."""
    found = []
    for root, folders, files in os.walk(source):
        folders[:] = sorted(f for f in folders if f != "__pycache__" and not (root == str(source) and f in excluded))
        found += [str(Path(root, name).relative_to(source.parent)) for name in files if name.endswith(".py")]
    return sorted(found)
