"""Create the template's queues, secrets, tables and SSM parameters on a local AWS endpoint, and work out each
function's environment as CloudFormation would resolve it against them.

The template is the single source of truth: queue attributes (FIFO, sizes, redrive), secret names,
table keys and TTL, and every environment variable come from infra/template.yaml, evaluated by
localdev.template with the parameters' defaults (or overrides) against the resources made here.
What cannot be evaluated locally fails with a message naming the place in the template.

    provisioned = Provisioner(load_template(), endpoint="http://127.0.0.1:4566").provision()
    provisioned.resources["EventsQueue"]   # the queue URL, as `!Ref EventsQueue` gives it
    provisioned.functions["ingest"]        # the ingest function's environment, local values included
    provisioned.routes                     # {("GET", "/webhook"): "crc", ...}: the HttpApi events of the
                                           # functions the template creates (what the local gateway serves)
"""

import contextlib
import hashlib
import json
import os
import secrets as random_source
import string
from dataclasses import dataclass, field

from localdev.template import (
    ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    NO_VALUE,
    TemplateError,
    TemplateEvaluator,
    Unresolvable,
    as_text,
    is_intrinsic,
    load_template,
)

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

CREATED_TYPES = ("AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::DynamoDB::Table", "AWS::SSM::Parameter")

# AWS::SQS::Queue properties that are SQS queue attributes of the same name.
QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)

# What cannot be provisioned is a template error (the evaluator's included): one type to catch.
ProvisionError = TemplateError


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
    return as_text(value, path)


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
        for key in QUEUE_ATTRIBUTES:
            if key in properties:
                attributes[key] = _env_text(properties[key], f"Resources.{logical_id}.Properties.{key}")
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
            return as_text(properties["SecretString"], f"Resources.{logical_id}.Properties.SecretString"), "template"
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
            arguments = {"Name": name, "Value": as_text(properties["Value"], f"{logical_id}.Value"), "Type": kind}
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
            source = self.evaluator.resolve(source, f"{where}.Environment") if is_intrinsic(source) else source
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
