"""Create the template's queues, secrets, tables and SSM parameters on a local AWS endpoint, and work out each
function's environment as CloudFormation would resolve it against them.

The template is the single source of truth: queue attributes (FIFO, sizes, redrive), secret names,
table keys and TTL, and every environment variable come from infra/template.yaml, evaluated here with
the parameters' defaults (or overrides), the conditions and the intrinsic functions the template uses.
What cannot be evaluated locally fails with a message naming the place in the template.

    provisioned = Provisioner(load_template(), endpoint="http://127.0.0.1:4566").provision()
    provisioned.resources["EventsQueue"]   # the queue URL, as `!Ref EventsQueue` gives it
    provisioned.functions["ingest"]        # the ingest function's environment, local values included
    provisioned.routes                     # {("GET", "/webhook"): "crc", ...}: the HttpApi events of the
                                           # functions the template creates (what the local gateway serves)
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets as random_source
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO / "infra" / "template.yaml"
DEFAULT_STACK_NAME = "xwebhook-local"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's account

# Function name (as localdev.handlers knows it) -> logical id in the template.
FUNCTIONS = {"crc": "CrcFunction", "ingest": "IngestFunction", "admin": "AdminFunction", "connect": "ConnectFunction"}
CONSUMER_SECRET = "ConsumerSecret"  # noqa: S105 - logical ids
CREDENTIALS_SECRET = "XApiCredentialsSecret"  # noqa: S105
CREDENTIAL_VARIABLES = {
    "consumer_key": "X_CONSUMER_KEY",
    "bearer_token": "X_BEARER_TOKEN",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
}

NO_VALUE = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
CREATED_TYPES = ("AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::DynamoDB::Table", "AWS::SSM::Parameter")

# CloudFormation AWS::SQS::Queue property -> SQS queue attribute.
QUEUE_ATTRIBUTES = {
    "ContentBasedDeduplication": "ContentBasedDeduplication",
    "DeduplicationScope": "DeduplicationScope",
    "DelaySeconds": "DelaySeconds",
    "FifoQueue": "FifoQueue",
    "FifoThroughputLimit": "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId": "KmsMasterKeyId",
    "MaximumMessageSize": "MaximumMessageSize",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy": "RedriveAllowPolicy",
    "RedrivePolicy": "RedrivePolicy",
    "SqsManagedSseEnabled": "SqsManagedSseEnabled",
    "VisibilityTimeout": "VisibilityTimeout",
}


class ProvisionError(Exception):
    """The template cannot be provisioned locally; the message says where and why."""


class Unresolvable(ProvisionError):
    """An intrinsic function or reference that cannot be evaluated locally."""


# --- loading ---------------------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) as their long forms."""


def _construct_intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + suffix: value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)
# Dates such as AWSTemplateFormatVersion stay text, as CloudFormation reads them.
_TemplateLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_template(text):
    template = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ProvisionError("the template has no Resources section")
    return template


def load_template(path=None):
    path = Path(path or DEFAULT_TEMPLATE)
    try:
        return parse_template(path.read_text())
    except FileNotFoundError:
        raise ProvisionError(f"template {path} not found") from None
    except yaml.YAMLError as exc:
        raise ProvisionError(f"template {path} is not valid YAML: {exc}") from None


# --- evaluation ------------------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _is_intrinsic(value):
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key.startswith("Fn::")


def _text(value, path):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise Unresolvable(f"{path}: expected a string, got {value!r}")


class TemplateEvaluator:
    """Evaluates parameters, conditions and intrinsic functions of a template.

    `ref(logical_id, path)` and `get_att(logical_id, attribute, path)` give the values of resources;
    without them any reference to a resource is Unresolvable.
    """

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
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::NotificationARNs": [],
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
            raise ProvisionError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in overrides:
                raw = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise ProvisionError(f"parameter {name} has no Default; give it a value")
            kind = spec.get("Type", "String")
            if kind == "CommaDelimitedList" or kind.startswith("List<"):
                value = raw if isinstance(raw, list) else [part.strip() for part in _text(raw, name).split(",")]
            elif kind.startswith("AWS::SSM::Parameter::Value"):
                if name not in overrides:
                    raise Unresolvable(f"parameter {name} is read from SSM ({kind}); give it a value")
                value = _text(raw, name)
            else:
                value = _text(raw, f"Parameters.{name}")
            allowed = spec.get("AllowedValues")
            if allowed and not isinstance(value, list) and value not in [_text(a, name) for a in allowed]:
                raise ProvisionError(f"parameter {name}={value!r} is not one of {allowed}")
            values[name] = value
        return values

    def condition(self, name, path="Conditions"):
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolvable(f"{path}: no condition named {name!r}")
        if name in self._evaluating_conditions:
            raise ProvisionError(f"condition {name} refers to itself")
        self._evaluating_conditions.add(name)
        try:
            value = self._boolean(conditions[name], f"Conditions.{name}")
        finally:
            self._evaluating_conditions.discard(name)
        self._conditions[name] = value
        return value

    def _boolean(self, expression, path):
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
        if _is_intrinsic(value):
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
        handler = {
            "Ref": self._fn_ref,
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::If": self._fn_if,
            "Fn::Equals": self._fn_equals,
            "Fn::Not": self._fn_not,
            "Fn::And": self._fn_and,
            "Fn::Or": self._fn_or,
            "Fn::FindInMap": self._fn_find_in_map,
            "Fn::Join": self._fn_join,
            "Fn::Select": self._fn_select,
            "Fn::Split": self._fn_split,
            "Fn::Base64": self._fn_base64,
            "Fn::GetAZs": self._fn_get_azs,
            "Fn::ToJsonString": self._fn_to_json_string,
            "Fn::Length": self._fn_length,
        }.get(name)
        if handler is None:
            raise Unresolvable(f"{path}: {name} cannot be evaluated locally")
        return handler(argument, f"{path}.{name}")

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
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"{path}: Fn::GetAtt takes [resource, attribute], got {argument!r}")
        logical_id, attribute = argument
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
                return _text(self.resolve(variables[name], f"{path}.{name}"), path)
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _text(self._fn_get_att([logical_id, attribute], path), path)
            value = self._fn_ref(name, path)
            if isinstance(value, list):
                raise Unresolvable(f"{path}: ${{{name}}} is a list")
            return _text(value, path)

        return _SUB_VARIABLE.sub(substitute, text)

    def _fn_if(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 3:
            raise Unresolvable(f"{path}: Fn::If takes [condition, value if true, value if false]")
        name, when_true, when_false = argument
        chosen = when_true if self.condition(name, path) else when_false
        return self.resolve(chosen, path)

    def _fn_equals(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"{path}: Fn::Equals takes two values")
        left, right = (self.resolve(item, path) for item in argument)
        if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
            return left == right
        return _text(left, path) == _text(right, path)

    def _fn_not(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 1:
            raise Unresolvable(f"{path}: Fn::Not takes one condition")
        return not self._boolean(argument[0], path)

    def _fn_and(self, argument, path):
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise Unresolvable(f"{path}: Fn::And takes 2 to 10 conditions")
        return all([self._boolean(item, path) for item in argument])

    def _fn_or(self, argument, path):
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise Unresolvable(f"{path}: Fn::Or takes 2 to 10 conditions")
        return any([self._boolean(item, path) for item in argument])

    def _fn_find_in_map(self, argument, path):
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise Unresolvable(f"{path}: Fn::FindInMap takes [map, top-level key, second-level key]")
        names = [self.resolve(item, path) for item in argument[:3]]
        default = argument[3].get("DefaultValue", NO_VALUE) if len(argument) == 4 else NO_VALUE
        mapping = (self.template.get("Mappings") or {}).get(names[0])
        try:
            return mapping[names[1]][names[2]]
        except (KeyError, TypeError):
            if default is not NO_VALUE:
                return self.resolve(default, path)
            raise Unresolvable(f"{path}: Fn::FindInMap {names}: not in the template's Mappings") from None

    def _fn_join(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"{path}: Fn::Join takes [delimiter, [values]]")
        delimiter = _text(self.resolve(argument[0], path), path)
        items = self.resolve(argument[1], path)
        if not isinstance(items, list):
            raise Unresolvable(f"{path}: Fn::Join needs a list, got {items!r}")
        return delimiter.join(_text(item, path) for item in items)

    def _fn_select(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"{path}: Fn::Select takes [index, [values]]")
        index = self.resolve(argument[0], path)
        items = self.resolve(argument[1], path)
        try:
            return items[int(index)]
        except (ValueError, TypeError, IndexError):
            raise Unresolvable(f"{path}: Fn::Select index {index!r} out of {items!r}") from None

    def _fn_split(self, argument, path):
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"{path}: Fn::Split takes [delimiter, string]")
        delimiter, text = (_text(self.resolve(item, path), path) for item in argument)
        return text.split(delimiter)

    def _fn_base64(self, argument, path):
        return base64.b64encode(_text(self.resolve(argument, path), path).encode()).decode()

    def _fn_get_azs(self, argument, path):
        region = self.resolve(argument, path) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_to_json_string(self, argument, path):
        return json.dumps(self.resolve(argument, path), separators=(",", ":"))

    def _fn_length(self, argument, path):
        items = self.resolve(argument, path)
        if not isinstance(items, list):
            raise Unresolvable(f"{path}: Fn::Length needs a list")
        return len(items)


# --- provisioning ----------------------------------------------------------------------------------


def generate_consumer_secret():
    """A dev consumer secret shaped like X's: 50 letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return "".join(random_source.choice(alphabet) for _ in range(50))


def credentials_from_env(env=os.environ):
    """The X API credentials secret's JSON document from X_CONSUMER_KEY, X_BEARER_TOKEN, ..."""
    return {key: env.get(variable, "") for key, variable in CREDENTIAL_VARIABLES.items()}


def _env_text(value, path):
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return _text(value, path)


@dataclass
class Provisioned:
    """What provisioning made: resource values as Ref gives them, ARNs, and function environments."""

    stack_name: str
    region: str
    endpoint: str
    resources: dict = field(default_factory=dict)  # logical id -> Ref value (queue URL, secret ARN, table name)
    arns: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)  # crc/ingest/admin/connect -> environment (those created)
    routes: dict = field(default_factory=dict)  # (method, path) -> function: the template's HttpApi events
    outputs: dict = field(default_factory=dict)
    consumer_secret_source: str = ""  # "environment", "generated" or "existing"
    generated_consumer_secret: str | None = None  # only when this run generated it (to print it)
    extension_settings: dict = field(default_factory=dict)
    timeouts: dict = field(default_factory=dict)  # crc/ingest/admin -> the function's Timeout in seconds
    # Every AWS::Serverless::Function of the template by logical id (functions other than crc/ingest/admin
    # included): its environment, or in environment_errors why it cannot be resolved locally.
    environments: dict = field(default_factory=dict)
    environment_errors: dict = field(default_factory=dict)

    def env(self, function, **overrides):
        values = dict(self.functions[function])
        values.update({key: str(value) for key, value in overrides.items()})
        return values


class Provisioner:
    """Creates the template's SQS queues, Secrets Manager secrets, DynamoDB tables and SSM parameters on
    `endpoint`."""

    def __init__(
        self,
        template,
        endpoint,
        region=DEFAULT_REGION,
        stack_name=DEFAULT_STACK_NAME,
        parameters=None,
        consumer_secret=None,
        credentials=None,
        webhook_url="http://127.0.0.1:3000/webhook",
        x_api_base_url=None,
        x_web_base_url=None,
        public_base_url=None,
        extension_port=2773,
        session_token="local-session-token",  # noqa: S107 - the extension stub's shared token, not a secret
        access_key_id=None,
        secret_access_key=None,
    ):
        from localdev.stack import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

        self.template = template
        self.endpoint = endpoint
        self.region = region
        self.stack_name = stack_name
        self.consumer_secret = consumer_secret
        self.credentials = credentials
        self.webhook_url = webhook_url
        self.x_api_base_url = x_api_base_url
        self.x_web_base_url = x_web_base_url
        # Where the gateway serves /connect: the webhook URL's origin unless given.
        self.public_base_url = (public_base_url or webhook_url.rsplit("/", 1)[0]).rstrip("/")
        self.extension_port = extension_port
        self.session_token = session_token
        self.access_key_id = access_key_id or LOCAL_ACCESS_KEY_ID
        self.secret_access_key = secret_access_key or LOCAL_SECRET_ACCESS_KEY
        self.evaluator = TemplateEvaluator(
            template, parameters, stack_name, region, ACCOUNT_ID, ref=self._ref, get_att=self._get_att
        )
        self.result = Provisioned(stack_name, region, endpoint)
        self._records = {}
        self._in_progress = []
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service,
                endpoint_url=self.endpoint,
                region_name=self.region,
                aws_access_key_id=self.access_key_id,
                aws_secret_access_key=self.secret_access_key,
            )
        return self._clients[service]

    @property
    def resources(self):
        return self.template["Resources"]

    def _resource(self, logical_id):
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict) or "Type" not in resource:
            raise ProvisionError(f"Resources.{logical_id} has no Type")
        return resource

    def _included(self, logical_id):
        name = self._resource(logical_id).get("Condition")
        return True if name is None else self.evaluator.condition(name, f"Resources.{logical_id}.Condition")

    # references from the template to resources

    def _ref(self, logical_id, path):
        return self._attribute(logical_id, "Ref", path)

    def _get_att(self, logical_id, attribute, path):
        return self._attribute(logical_id, attribute, path)

    def _attribute(self, logical_id, attribute, path):
        resource = self._resource(logical_id)
        kind = resource["Type"]
        if not self._included(logical_id):
            raise Unresolvable(f"{path}: {logical_id} is not created (its condition is false)")
        record = self._ensure(logical_id) if kind in CREATED_TYPES else self._stand_in(logical_id, kind)
        if record is None or attribute not in record:
            what = "Ref" if attribute == "Ref" else f"Fn::GetAtt {logical_id}.{attribute}"
            raise Unresolvable(f"{path}: {what} of a {kind} cannot be evaluated locally")
        return record[attribute]

    def _stand_in(self, logical_id, kind):
        """Values for resources that are not created locally but whose names a template may pass on."""
        prefix = f"arn:aws:{{}}:{self.region}:{ACCOUNT_ID}"
        name = f"{self.stack_name}-{logical_id}"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            arn = prefix.format("lambda") + f":function:{name}"
            return {"Ref": name, "Arn": arn}
        if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
            return {"Ref": "local", "ApiEndpoint": self.webhook_url.rsplit("/", 1)[0]}
        if kind == "AWS::SNS::Topic":
            arn = prefix.format("sns") + f":{name}"
            return {"Ref": arn, "TopicArn": arn, "TopicName": name}
        if kind == "AWS::KMS::Key":  # moto's tables take no key: the stand-in only fills references
            key_id = "00000000-0000-4000-8000-" + hashlib.sha256(name.encode()).hexdigest()[:12]
            arn = prefix.format("kms") + f":key/{key_id}"
            return {"Ref": key_id, "Arn": arn, "KeyId": key_id}
        return None

    # creating resources

    def _ensure(self, logical_id):
        if logical_id in self._records:
            return self._records[logical_id]
        if logical_id in self._in_progress:
            cycle = " -> ".join([*self._in_progress, logical_id])
            raise ProvisionError(f"circular reference between resources: {cycle}")
        self._in_progress.append(logical_id)
        try:
            resource = self._resource(logical_id)
            properties = self.evaluator.resolve(resource.get("Properties") or {}, f"Resources.{logical_id}.Properties")
            create = {
                "AWS::SQS::Queue": self._create_queue,
                "AWS::SecretsManager::Secret": self._create_secret,
                "AWS::DynamoDB::Table": self._create_table,
                "AWS::SSM::Parameter": self._create_parameter,
            }[resource["Type"]]
            record = create(logical_id, properties)
        finally:
            self._in_progress.pop()
        self._records[logical_id] = record
        self.result.resources[logical_id] = record["Ref"]
        self.result.types[logical_id] = resource["Type"]
        if "Arn" in record:
            self.result.arns[logical_id] = record["Arn"]
        return record

    def _default_name(self, logical_id, limit, suffix=""):
        return f"{self.stack_name}-{logical_id}"[: limit - len(suffix)] + suffix

    def _create_queue(self, logical_id, properties):
        from botocore.exceptions import ClientError

        fifo = str(properties.get("FifoQueue", "false")).lower() == "true"
        name = properties.get("QueueName") or self._default_name(logical_id, 80, ".fifo" if fifo else "")
        attributes = {}
        for prop, attribute in QUEUE_ATTRIBUTES.items():
            if prop in properties:
                value = properties[prop]
                attributes[attribute] = _env_text(value, f"Resources.{logical_id}.Properties.{prop}")
        tags = {tag["Key"]: str(tag["Value"]) for tag in properties.get("Tags") or []}
        sqs = self.client("sqs")
        try:
            url = sqs.create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
                raise ProvisionError(f"{logical_id}: SQS refused queue {name}: {exc}") from None
            # Provisioned before with other attributes: bring them in line with the template.
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            changeable = {key: value for key, value in attributes.items() if key != "FifoQueue"}
            if changeable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=changeable)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def _secret_value(self, logical_id, properties, existing):
        """(value to store or None to keep the existing one, where the value came from)."""
        if logical_id == CONSUMER_SECRET:
            if self.consumer_secret:
                return self.consumer_secret, "environment"
            if existing:
                return None, "existing"
            value = generate_consumer_secret()
            self.result.generated_consumer_secret = value
            return value, "generated"
        if logical_id == CREDENTIALS_SECRET:
            if self.credentials is not None:
                return json.dumps(self.credentials), "environment"
            if existing:
                return None, "existing"
            return json.dumps(credentials_from_env({})), "generated"
        if existing:
            return None, "existing"
        if "SecretString" in properties:
            return _text(properties["SecretString"], f"Resources.{logical_id}.Properties.SecretString"), "template"
        return self._generated_secret_string(properties.get("GenerateSecretString") or {}), "generated"

    @staticmethod
    def _generated_secret_string(spec):
        alphabet = string.ascii_letters + string.digits
        if not spec.get("ExcludePunctuation"):
            alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
        alphabet = "".join(ch for ch in alphabet if ch not in (spec.get("ExcludeCharacters") or ""))
        value = "".join(random_source.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
        if spec.get("SecretStringTemplate") and spec.get("GenerateStringKey"):
            document = json.loads(spec["SecretStringTemplate"])
            document[spec["GenerateStringKey"]] = value
            return json.dumps(document)
        return value

    def _create_secret(self, logical_id, properties):
        from botocore.exceptions import ClientError

        name = properties.get("Name") or self._default_name(logical_id, 512)
        manager = self.client("secretsmanager")
        try:
            described = manager.describe_secret(SecretId=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise ProvisionError(f"{logical_id}: Secrets Manager: {exc}") from None
            described = None
        if described and described.get("DeletedDate"):
            manager.restore_secret(SecretId=name)
        existing_value = None
        if described:
            try:
                existing_value = manager.get_secret_value(SecretId=name).get("SecretString")
            except ClientError:
                existing_value = None
        value, source = self._secret_value(logical_id, properties, existing_value)
        if described is None:
            arguments = {"Name": name, "SecretString": value}
            if properties.get("Description"):
                arguments["Description"] = properties["Description"]
            if properties.get("Tags"):
                arguments["Tags"] = [{"Key": t["Key"], "Value": str(t["Value"])} for t in properties["Tags"]]
            arn = manager.create_secret(**arguments)["ARN"]
        else:
            arn = described["ARN"]
            if value is not None and value != existing_value:
                manager.put_secret_value(SecretId=arn, SecretString=value)
        if logical_id == CONSUMER_SECRET:
            self.result.consumer_secret_source = source
        return {"Ref": arn, "Id": arn, "Name": name}

    def _create_table(self, logical_id, properties):
        from botocore.exceptions import ClientError

        name = properties.get("TableName") or self._default_name(logical_id, 255)
        arguments = {
            "TableName": name,
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        }
        if arguments["BillingMode"] == "PROVISIONED":
            throughput = properties.get("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            arguments["ProvisionedThroughput"] = {key: int(value) for key, value in throughput.items()}
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if properties.get(key):
                arguments[key] = properties[key]
        if properties.get("Tags"):
            arguments["Tags"] = [{"Key": t["Key"], "Value": str(t["Value"])} for t in properties["Tags"]]
        dynamodb = self.client("dynamodb")
        try:
            description = dynamodb.create_table(**arguments)["TableDescription"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise ProvisionError(f"{logical_id}: DynamoDB refused table {name}: {exc}") from None
            description = dynamodb.describe_table(TableName=name)["Table"]
        ttl = properties.get("TimeToLiveSpecification") or {}
        if str(ttl.get("Enabled", "false")).lower() == "true":
            current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                dynamodb.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
                )
        return {"Ref": name, "Arn": description["TableArn"], "StreamArn": description.get("LatestStreamArn")}

    def _create_parameter(self, logical_id, properties):
        """An SSM parameter with the template's value, unless it exists: then its value is kept, as
        CloudFormation keeps a parameter's value across deploys that do not change the template's."""
        from botocore.exceptions import ClientError

        name = properties.get("Name") or f"/{self._default_name(logical_id, 1011)}"
        kind = properties.get("Type", "String")
        if kind not in ("String", "StringList"):
            raise ProvisionError(f"{logical_id}: parameters of Type {kind} are not provisioned locally")
        ssm = self.client("ssm")
        try:
            ssm.get_parameter(Name=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ParameterNotFound":
                raise ProvisionError(f"{logical_id}: SSM: {exc}") from None
            arguments = {"Name": name, "Value": _text(properties["Value"], f"{logical_id}.Value"), "Type": kind}
            for key in ("Description", "Tier", "AllowedPattern"):
                if properties.get(key):
                    arguments[key] = properties[key]
            ssm.put_parameter(**arguments)
        arn = f"arn:aws:ssm:{self.region}:{ACCOUNT_ID}:parameter{name if name.startswith('/') else '/' + name}"
        return {"Ref": name, "Arn": arn, "Type": kind, "Value": properties.get("Value")}

    # function environments

    def _function_variables(self, logical_id):
        resource = self.resources.get(logical_id)
        if resource is None:
            return None
        global_env = ((self.template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
        own_env = (resource.get("Properties") or {}).get("Environment") or {}
        variables = {}
        for source, where in ((global_env, "Globals.Function"), (own_env, f"Resources.{logical_id}.Properties")):
            source = self.evaluator.resolve(source, f"{where}.Environment") if _is_intrinsic(source) else source
            for key, value in (source.get("Variables") or {}).items():
                variables[key] = (value, f"{where}.Environment.Variables.{key}")
        return variables

    def local_variables(self):
        """What Lambda (and the extension layer) would set, pointed at the local stack."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.extension_port),
        }

    def function_environment(self, function):
        return self.environment_of(FUNCTIONS[function])

    def environment_of(self, logical_id):
        """The environment of the function `logical_id` (any AWS::Serverless::Function of the template):
        its variables as CloudFormation resolves them, the local overrides, and what Lambda adds."""
        variables = self._function_variables(logical_id)
        if variables is None:
            raise ProvisionError(f"the template has no {logical_id}")
        overrides = {"WEBHOOK_URL": self.webhook_url}
        if self.x_api_base_url:
            overrides["X_API_BASE_URL"] = self.x_api_base_url
        if self.x_web_base_url:
            overrides["X_WEB_BASE_URL"] = self.x_web_base_url
        if "PUBLIC_BASE_URL" in variables:
            overrides["PUBLIC_BASE_URL"] = self.public_base_url
        env = {}
        for key, (value, path) in variables.items():
            if key in overrides:
                env[key] = overrides[key]
                continue
            resolved = self.evaluator.resolve(value, path)
            if resolved is not NO_VALUE:
                env[key] = _env_text(resolved, path)
        if logical_id == FUNCTIONS["admin"]:
            for key in ("WEBHOOK_URL", "X_API_BASE_URL"):
                if key in overrides:
                    env.setdefault(key, overrides[key])
        env.update(self.local_variables())
        return env

    def function_timeout(self, function):
        """The function's Timeout (its own, else Globals', else Lambda's default of 3 s)."""
        return self.function_number(FUNCTIONS[function], "Timeout", 3)

    def function_number(self, logical_id, name, default):
        """A numeric property of a function (Timeout, MemorySize): its own, else Globals', else `default`."""
        own = (self.resources[logical_id].get("Properties") or {}).get(name)
        fallback = ((self.template.get("Globals") or {}).get("Function") or {}).get(name, default)
        value = self.evaluator.resolve(fallback if own is None else own, f"Resources.{logical_id}.Properties.{name}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ProvisionError(f"{logical_id}: {name} {value!r} is not a number") from None

    def _outputs(self):
        outputs = {}
        local = {
            "WebhookUrl": self.webhook_url,
            "ConnectUrl": self.public_base_url + "/connect",
            "ConnectCallbackUrl": self.public_base_url + "/connect/callback",
        }
        for name, output in (self.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition and not self.evaluator.condition(condition, f"Outputs.{name}.Condition"):
                continue
            if name in local:
                outputs[name] = local[name]
                continue
            try:
                outputs[name] = _env_text(self.evaluator.resolve(output.get("Value"), f"Outputs.{name}"), name)
            except Unresolvable:
                continue  # outputs of resources that only exist in AWS (alarms, roles) are not needed locally
        return outputs

    def provision(self):
        for logical_id, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") in CREATED_TYPES and self._included(logical_id):
                self._ensure(logical_id)
        for function, logical_id in FUNCTIONS.items():
            if logical_id in self.resources and self._included(logical_id):
                self.result.functions[function] = self.function_environment(function)
                self.result.timeouts[function] = self.function_timeout(function)
                self.result.routes.update({route: function for route in self.http_routes(logical_id)})
        for logical_id, resource in self.resources.items():
            # Conditional functions too (sam build builds them): tests/built runs every built function.
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Function":
                try:
                    self.result.environments[logical_id] = self.environment_of(logical_id)
                except ProvisionError as exc:
                    self.result.environment_errors[logical_id] = str(exc)
        self.result.outputs = self._outputs()
        self.result.extension_settings = self._extension_settings()
        return self.result

    def http_routes(self, logical_id):
        """(METHOD, path) of each HttpApi event of a function, as API Gateway routes them (shared decision 4)."""
        events = (self.resources[logical_id].get("Properties") or {}).get("Events") or {}
        routes = []
        for name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") != "HttpApi":
                continue
            where = f"Resources.{logical_id}.Properties.Events.{name}.Properties"
            properties = self.evaluator.resolve(event.get("Properties") or {}, where)
            method, path = str(properties.get("Method", "ANY")).upper(), properties.get("Path", "/")
            if "{" in path or method == "ANY":
                raise ProvisionError(f"{where}: the local gateway serves exact paths and methods, got {method} {path}")
            routes.append((method, path))
        return routes

    def _extension_settings(self):
        """The extension layer reads its settings from the function's environment (SECRETS_MANAGER_TTL...)."""
        settings = {}
        for env in self.result.functions.values():
            for key in ("SECRETS_MANAGER_TTL", "SSM_PARAMETER_STORE_TTL", "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE"):
                if key in env:
                    settings.setdefault(key, env[key])
        return settings


def provision(template=None, endpoint="http://127.0.0.1:4566", **options):
    """Provision `template` (a dict, a path, or None for infra/template.yaml) on `endpoint`."""
    if not isinstance(template, dict):
        template = load_template(template)
    return Provisioner(template, endpoint, **options).provision()


def teardown(provisioned):
    """Delete what `provisioned` made (tests use it to keep moto small and fast)."""
    import boto3
    from botocore.exceptions import ClientError

    from localdev.stack import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

    def client(service):
        return boto3.client(
            service,
            endpoint_url=provisioned.endpoint,
            region_name=provisioned.region,
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        )

    delete = {
        "AWS::SQS::Queue": lambda ref: client("sqs").delete_queue(QueueUrl=ref),
        "AWS::SecretsManager::Secret": lambda ref: client("secretsmanager").delete_secret(
            SecretId=ref, ForceDeleteWithoutRecovery=True
        ),
        "AWS::DynamoDB::Table": lambda ref: client("dynamodb").delete_table(TableName=ref),
        "AWS::SSM::Parameter": lambda ref: client("ssm").delete_parameter(Name=ref),
    }
    for logical_id, ref in provisioned.resources.items():
        with contextlib.suppress(ClientError):  # already gone (a test deleted it on purpose)
            delete[provisioned.types[logical_id]](ref)
