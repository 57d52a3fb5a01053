"""infra/template.yaml read and evaluated as CloudFormation would, for the local stack and the tests.

cfn-lint's parser reads the template (short-form tags such as !Sub as their long forms, duplicate keys
refused); the evaluator works out parameters (defaults or overrides), conditions and exactly the
intrinsic functions the template uses: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::FindInMap, Fn::If,
Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition. Anything else fails with a message naming the place
in the template: a template that starts using another function fails here until it is added.

    template = load_template()                          # infra/template.yaml as plain dicts, lists, scalars
    evaluator = TemplateEvaluator(template, {"QueueType": "standard"}, ref=..., get_att=...)
    evaluator.resolve(template["Outputs"]["WebhookUrl"]["Value"], "Outputs.WebhookUrl")
    evaluator.condition("UseReplayDedup")

Resources are the caller's: `ref(logical_id, path)` and `get_att(logical_id, attribute, path)` give their
values (localdev.provision creates them on the local AWS endpoint; tests give stand-ins).
"""

import datetime
import re
from pathlib import Path

import yaml
from cfnlint.decode import cfn_yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO / "infra" / "template.yaml"
DEFAULT_STACK_NAME = "xwebhook-local"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's account

NO_VALUE = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
PARAMETER_TYPES = ("String", "Number")


class TemplateError(Exception):
    """The template cannot be read, evaluated or provisioned locally; the message says where and why."""


class Unresolvable(TemplateError):
    """An intrinsic function or reference that cannot be evaluated locally."""


# --- loading ---------------------------------------------------------------------------------------


def _plain(node):
    """cfn-lint's nodes (str, dict and list subclasses carrying line marks) as plain values; dates as the
    text they were written as (CloudFormation reads `Version: 2012-10-17` as a string)."""
    if isinstance(node, dict):
        return {_plain(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime.date):
        return node.isoformat()
    return node


def parse_template(text, name="the template"):
    try:
        template = _plain(cfn_yaml.loads(text, name))
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name} is not valid YAML: {exc}") from None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{name} has no Resources section")
    return template


def load_template(path=None):
    path = Path(path or DEFAULT_TEMPLATE)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise TemplateError(f"template {path} not found") from None
    return parse_template(text, f"template {path}")


# --- evaluation ------------------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def is_intrinsic(value):
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key.startswith("Fn::")


def as_text(value, path):
    """A scalar as CloudFormation turns it into a string (true/false for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise Unresolvable(f"{path}: expected a string, got {value!r}")


def _arguments(argument, count, path, usage):
    if not isinstance(argument, list) or len(argument) not in count:
        raise Unresolvable(f"{path}: {usage}")
    return argument


class TemplateEvaluator:
    """Evaluates parameters, conditions and intrinsic functions of a template.

    `ref(logical_id, path)` and `get_att(logical_id, attribute, path)` give the values of resources;
    without them any reference to a resource is Unresolvable.
    """

    # The intrinsic functions infra/template.yaml uses, and the method that evaluates each.
    INTRINSICS = {
        "Ref": "_fn_ref",
        "Fn::GetAtt": "_fn_get_att",
        "Fn::Sub": "_fn_sub",
        "Fn::Join": "_fn_join",
        "Fn::FindInMap": "_fn_find_in_map",
        "Fn::If": "_fn_if",
        "Fn::Equals": "_fn_equals",
        "Fn::Not": "_fn_not",
        "Fn::And": "_fn_and",
        "Fn::Or": "_fn_or",
    }

    def __init__(
        self,
        template,
        parameters=None,
        stack_name=DEFAULT_STACK_NAME,
        region=DEFAULT_REGION,
        account_id=ACCOUNT_ID,
        ref=None,
        get_att=None,
    ):
        self.template = template
        self.region = region
        self.pseudo = {
            "AWS::StackName": stack_name,
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self._ref = ref
        self._get_att = get_att
        self.parameters = self._parameter_values(parameters or {})
        self._conditions = {}
        self._evaluating_conditions = set()

    # parameters and conditions

    def _parameter_values(self, overrides):
        declared = self.template.get("Parameters") or {}
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in overrides:
                raw = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default; give it a value")
            kind = spec.get("Type", "String")
            if kind not in PARAMETER_TYPES:
                raise Unresolvable(f"Parameters.{name}: parameters of Type {kind} are not evaluated locally")
            value = as_text(raw, f"Parameters.{name}")
            allowed = spec.get("AllowedValues")
            if allowed and value not in [as_text(a, name) for a in allowed]:
                raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
            values[name] = value
        return values

    def condition(self, name, path="Conditions"):
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolvable(f"{path}: no condition named {name!r}")
        if name in self._evaluating_conditions:
            raise TemplateError(f"condition {name} refers to itself")
        self._evaluating_conditions.add(name)
        try:
            value = self.truth(conditions[name], f"Conditions.{name}")
        finally:
            self._evaluating_conditions.discard(name)
        self._conditions[name] = value
        return value

    def truth(self, expression, path="Conditions"):
        """A condition expression (a Conditions entry, a Rules assertion) as a bool."""
        if isinstance(expression, dict) and set(expression) == {"Condition"}:
            return self.condition(expression["Condition"], path)
        value = self.resolve(expression, path)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise Unresolvable(f"{path}: expected a condition, got {value!r}")

    # values

    def resolve(self, value, path="template"):
        """`value` with every intrinsic function evaluated (AWS::NoValue entries dropped)."""
        if is_intrinsic(value):
            (name, argument), *_ = value.items()
            return self._intrinsic(name, argument, path)
        if isinstance(value, dict):
            resolved = {}
            for key, item in value.items():
                result = self.resolve(item, f"{path}.{key}")
                if result is not NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            resolved = [self.resolve(item, f"{path}[{index}]") for index, item in enumerate(value)]
            return [item for item in resolved if item is not NO_VALUE]
        return value

    def _intrinsic(self, name, argument, path):
        method = self.INTRINSICS.get(name)
        if method is None:
            raise Unresolvable(f"{path}: {name} cannot be evaluated locally")
        return getattr(self, method)(argument, f"{path}.{name}")

    def _fn_ref(self, name, path):
        name = self.resolve(name, path)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Resources") or {}):
            if self._ref is None:
                raise Unresolvable(f"{path}: Ref {name}: resources are not available here")
            return self._ref(name, path)
        raise Unresolvable(f"{path}: Ref {name}: no parameter, pseudo parameter or resource of that name")

    def _fn_get_att(self, argument, path):
        argument = self.resolve(argument, path)
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        usage = f"Fn::GetAtt takes [resource, attribute], got {argument!r}"
        logical_id, attribute = _arguments(argument, (2,), path, usage)
        if logical_id not in (self.template.get("Resources") or {}):
            raise Unresolvable(f"{path}: Fn::GetAtt {logical_id}.{attribute}: no such resource")
        if self._get_att is None:
            raise Unresolvable(f"{path}: Fn::GetAtt {logical_id}.{attribute}: resources are not available here")
        return self._get_att(logical_id, attribute, path)

    def _fn_sub(self, argument, path):
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise Unresolvable(f"{path}: Fn::Sub takes a string or [string, {{variables}}]")
            text, variables = argument
        else:
            text, variables = argument, {}
        text = self.resolve(text, path)
        if not isinstance(text, str):
            raise Unresolvable(f"{path}: Fn::Sub needs a string, got {text!r}")

        def substitute(match):
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return as_text(self.resolve(variables[name], f"{path}.{name}"), path)
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return as_text(self._fn_get_att([logical_id, attribute], path), path)
            value = self._fn_ref(name, path)
            if isinstance(value, list):
                raise Unresolvable(f"{path}: ${{{name}}} is a list")
            return as_text(value, path)

        return _SUB_VARIABLE.sub(substitute, text)

    def _fn_join(self, argument, path):
        delimiter, items = _arguments(argument, (2,), path, "Fn::Join takes [delimiter, [values]]")
        delimiter = as_text(self.resolve(delimiter, path), path)
        items = self.resolve(items, path)
        if not isinstance(items, list):
            raise Unresolvable(f"{path}: Fn::Join needs a list, got {items!r}")
        return delimiter.join(as_text(item, path) for item in items)

    def _fn_find_in_map(self, argument, path):
        usage = "Fn::FindInMap takes [map, top-level key, second-level key]"
        names = [self.resolve(item, path) for item in _arguments(argument, (3,), path, usage)]
        mapping = (self.template.get("Mappings") or {}).get(names[0])
        try:
            return mapping[names[1]][names[2]]
        except (KeyError, TypeError):
            raise Unresolvable(f"{path}: Fn::FindInMap {names}: not in the template's Mappings") from None

    def _fn_if(self, argument, path):
        usage = "Fn::If takes [condition, value if true, value if false]"
        name, when_true, when_false = _arguments(argument, (3,), path, usage)
        return self.resolve(when_true if self.condition(name, path) else when_false, path)

    def _fn_equals(self, argument, path):
        pair = _arguments(argument, (2,), path, "Fn::Equals takes two values")
        left, right = (self.resolve(item, path) for item in pair)
        if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
            return left == right
        return as_text(left, path) == as_text(right, path)

    def _fn_not(self, argument, path):
        (expression,) = _arguments(argument, (1,), path, "Fn::Not takes one condition")
        return not self.truth(expression, path)

    def _fn_and(self, argument, path):
        expressions = _arguments(argument, range(2, 11), path, "Fn::And takes 2 to 10 conditions")
        return all([self.truth(item, path) for item in expressions])

    def _fn_or(self, argument, path):
        expressions = _arguments(argument, range(2, 11), path, "Fn::Or takes 2 to 10 conditions")
        return any([self.truth(item, path) for item in expressions])
