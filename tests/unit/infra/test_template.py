"""infra/template.yaml: the properties that matter and could regress, read from the template itself.

Routes, runtimes, layers, environment names, least-privilege roles, queues, secrets without values,
schedule, alarms and outputs; the ingest metric filters against the lines the real ingest handler
writes; the layer and function builds (infra/Makefile) run for real; cfn-lint on the whole template.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from localdev.built import NOT_DEPLOYED
from localdev.handlers import load_function
from localdev.template import NO_VALUE, TemplateEvaluator, load_template
from tests.conftest import DEV_SECRET, sample_bytes, signature
from tests.fakes import FakeSqs, StaticSecret
from xwebhook.receive.ingest import DeliveryIngestor
from xwebhook.receive.publisher import SqsEventPublisher

REPO = Path(__file__).resolve().parents[3]
INFRA = REPO / "infra"
TEMPLATE_PATH = INFRA / "template.yaml"

FUNCTIONS = {"crc": "CrcFunction", "ingest": "IngestFunction", "admin": "AdminFunction", "connect": "ConnectFunction"}

# The contract's environment variable names per function (Globals + the function's own).
CRC_ENV = {"CONSUMER_SECRET_ID", "SECRET_CACHE_SECONDS", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"}
INGEST_ENV = CRC_ENV | {
    "EVENTS_QUEUE_URL",
    "MAX_BODY_BYTES",
    "DEDUP_TABLE",
    "DEDUP_TTL_HOURS",
    "DEDUP_FIFO_TRUST_SECONDS",
    "PUBLISH_ATTEMPTS",
    "PUBLISH_CONCURRENCY",
    "FIFO_GROUP_SHARDS",
}
ADMIN_ENV = {
    "X_API_BASE_URL",
    "X_API_FLAVOUR",
    "X_PREMIUM_ENV_NAME",
    "WEBHOOK_URL",
    "CONSUMER_SECRET_ID",
    "X_CREDENTIALS_SECRET_ID",
    "ENSURE_SUBSCRIBE",
    "X_API_TIMEOUT_SECONDS",
    "XAA_SUBSCRIPTION_CAP",
    "XAA_DEFAULT_EVENT_TYPES",
    "XAA_PRIVATE_AUTH",
    "XAA_DIRECTIONS",
    "XAA_OWNERSHIP",
    "XAA_TAG_PREFIX",
    "MIGRATE_GRACE_HOURS",
    "MIGRATE_FIT_FLOOR",
    "DEDUP_TABLE",
    "DEDUP_TTL_HOURS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    # connected accounts
    "ACCOUNTS_TABLE",
    "CONNECT_SIGNING_KEY_SECRET_ID",
    "PUBLIC_BASE_URL",
    "CONNECT_MODE",
    "CONNECT_EVENT_TYPES",
    "CONNECT_FLOWS",
    "CONNECT_ALLOWED_USER_IDS",
    "CONNECT_XAA_FROM_START",
    "ENSURE_INTERVAL_MINUTES",
    "X_WEB_BASE_URL",
    "X_OAUTH2_AUTHORIZE_PAGE",
    "X_OAUTH1_AUTHORIZE_HOST",
    "ADMIN_STATE_PARAMETER",
    "AUTO_REPLAY",
    "REPLAY_DEDUP",
}
CONNECT_ENV = CRC_ENV | {
    "X_API_BASE_URL",
    "X_WEB_BASE_URL",
    "X_OAUTH2_AUTHORIZE_PAGE",
    "X_OAUTH1_AUTHORIZE_HOST",
    "X_API_FLAVOUR",
    "X_PREMIUM_ENV_NAME",
    "X_API_TIMEOUT_SECONDS",
    "WEBHOOK_URL",
    "PUBLIC_BASE_URL",
    "X_CREDENTIALS_SECRET_ID",
    "CONNECT_SIGNING_KEY_SECRET_ID",
    "ACCOUNTS_TABLE",
    "CONNECT_MODE",
    "CONNECT_EVENT_TYPES",
    "CONNECT_FLOWS",
    "CONNECT_ALLOWED_USER_IDS",
    "CONNECT_XAA_FROM_START",
    "CONNECT_APP_NAME",  # the pages' name of the app (ConnectAppName)
}
EXPECTED_ENV = {
    "CrcFunction": CRC_ENV,
    "IngestFunction": INGEST_ENV,
    "AdminFunction": ADMIN_ENV,
    "ConnectFunction": CONNECT_ENV,
}
ITEMS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}

# Which of the template's resources each function's role may touch, and with which actions.
EXPECTED_ACCESS = {
    "CrcFunction": {
        "CrcLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "ConsumerSecret": {"secretsmanager:GetSecretValue"},
    },
    "IngestFunction": {
        "IngestLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "ConsumerSecret": {"secretsmanager:GetSecretValue"},
        "EventsQueue": {"sqs:SendMessage"},
        "DedupTable": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"},
    },
    "AdminFunction": {
        "AdminLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "ConsumerSecret": {"secretsmanager:GetSecretValue"},
        "XApiCredentialsSecret": {"secretsmanager:GetSecretValue"},
        "ConnectSigningKeySecret": {"secretsmanager:GetSecretValue"},
        # the accounts key: its key policy names the role
        "AccountsTable": ITEMS | {"dynamodb:Scan", "dynamodb:BatchGetItem"},
        "DedupTable": {"dynamodb:Query"},  # its signals and by_user indexes only (see the tests on them)
        "AdminStateParameter": {"ssm:GetParameter", "ssm:PutParameter"},
        "*": {"cloudwatch:GetMetricData"},
    },
    "ConnectFunction": {
        "ConnectLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "ConsumerSecret": {"secretsmanager:GetSecretValue"},
        "XApiCredentialsSecret": {"secretsmanager:GetSecretValue"},
        "ConnectSigningKeySecret": {"secretsmanager:GetSecretValue"},
        "AccountsTable": ITEMS,  # each action for some kinds of item only (dynamodb:LeadingKeys)
    },
}
# Actions IAM cannot scope to a resource (no resource type in IAM's service reference): only these may
# have Resource "*", each for a reason the template states beside it.
NO_RESOURCE_LEVEL_ACTIONS = {"cloudwatch:GetMetricData"}

OUTPUTS = {
    "WebhookUrl",
    "EventsQueueUrl",
    "EventsQueueArn",
    "DeadLetterQueueUrl",
    "DeadLetterQueueArn",
    "ConsumerSecretArn",
    "XApiCredentialsSecretArn",
    "AdminFunctionName",
    "DedupTableName",
    "DashboardUrl",
    "ExampleConsumerFunctionName",
    "ConnectCallbackUrl",
    "ConnectUrl",
    "AccountsTableName",
}

FAKE_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/xwebhook-events.fifo"


# ---------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def template():
    return load_template(TEMPLATE_PATH)


def resources_of_type(template, type_name):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == type_name}


def props(template, logical_id):
    return template["Resources"][logical_id].get("Properties", {})


def referenced_ids(value):
    """Logical ids (resources or parameters) a value points at through Ref, GetAtt or Sub."""
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(inner, list):
                    found |= referenced_ids(inner[1])
            else:
                found |= referenced_ids(inner)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    return {name for name in found if not name.startswith("AWS::")}


class Resolver(TemplateEvaluator):
    """localdev.template's evaluator for one set of parameter values (defaults unless given).

    Refs to resources become stand-ins of the right shape (queue URL, secret ARN, table name), so that
    environments can be handed to the real handlers; Fn::GetAtt gives a stand-in ARN naming its target.
    """

    STAND_INS = {
        "AWS::SQS::Queue": FAKE_QUEUE_URL,
        "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:xwebhook/stand-in-AbCdEf",
        "AWS::DynamoDB::Table": "xwebhook-DedupTable-STANDIN",
        "AWS::Serverless::HttpApi": "abc123defg",
    }

    def __init__(self, template, **parameters):
        super().__init__(template, parameters, stack_name="xwebhook", ref=self._stand_in, get_att=self._stand_in_arn)

    def _stand_in(self, logical_id, path):
        return self.STAND_INS[self.template["Resources"][logical_id]["Type"]]

    def _stand_in_arn(self, logical_id, attribute, path):
        return f"arn:aws:stand-in:us-east-1:123456789012:{logical_id}/{attribute}"


def function_environment(template, logical_id):
    """Environment.Variables as Lambda gets them: Globals merged with the function's own."""
    merged = dict(template["Globals"]["Function"].get("Environment", {}).get("Variables", {}))
    merged.update(props(template, logical_id).get("Environment", {}).get("Variables", {}))
    return merged


def function_setting(template, logical_id, key):
    return props(template, logical_id).get(key, template["Globals"]["Function"].get(key))


def function_layers(template, logical_id):
    return template["Globals"]["Function"].get("Layers", []) + props(template, logical_id).get("Layers", [])


def choose_branches(node, resolver):
    """`node` with every Fn::If decided for `resolver`'s parameters; Ref and GetAtt left as they are."""
    if isinstance(node, list):
        chosen = (choose_branches(item, resolver) for item in node)
        return [item for item in chosen if item != {"Ref": "AWS::NoValue"}]
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, when_true, when_false = node["Fn::If"]
            return choose_branches(when_true if resolver.condition(condition) else when_false, resolver)
        return {key: choose_branches(value, resolver) for key, value in node.items()}
    return node


def policy_statements(policy_holder, resolver=None):
    for policy in policy_holder.get("Policies", []):
        if isinstance(policy, dict) and "PolicyDocument" in policy:
            statements = policy["PolicyDocument"]["Statement"]
        elif isinstance(policy, dict) and "Statement" in policy:
            statements = policy["Statement"]
        else:
            continue
        yield from (choose_branches(statements, resolver) if resolver else statements)


def all_policy_statements(template, resolver):
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] in {"AWS::IAM::Role", "AWS::Serverless::Function"}:
            yield from policy_statements(properties, resolver)
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"}:
            yield from choose_branches(properties["PolicyDocument"]["Statement"], resolver)


def role_statements(template, role_id, resolver=None):
    """Every statement that applies to role `role_id`: its inline policies and the AWS::IAM::RolePolicy
    resources attached to it (those the template creates for `resolver`'s parameters)."""
    yield from policy_statements(props(template, role_id), resolver)
    for resource in resources_of_type(template, "AWS::IAM::RolePolicy").values():
        if resource["Properties"]["RoleName"] != {"Ref": role_id}:
            continue
        if resolver and "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        statements = resource["Properties"]["PolicyDocument"]["Statement"]
        yield from (choose_branches(statements, resolver) if resolver else statements)


def as_list(value):
    return value if isinstance(value, list) else [value]


def role_of(template, function_id):
    role = props(template, function_id)["Role"]
    assert set(role) == {"Fn::GetAtt"}, f"{function_id} must use a role of this template"
    return role["Fn::GetAtt"][0] if isinstance(role["Fn::GetAtt"], list) else role["Fn::GetAtt"].split(".")[0]


# ---------------------------------------------------------------------------------------- routes
def test_the_http_api_routes_webhook_to_crc_and_ingest_and_connect_to_connect(template):
    routes = {}
    for function_id in FUNCTIONS.values():
        for event in props(template, function_id).get("Events", {}).values():
            if event["Type"] == "HttpApi":
                route = (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
                routes[route] = function_id
                assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}
                assert event["Properties"]["PayloadFormatVersion"] == "2.0"
    assert routes == {
        ("GET", "/webhook"): "CrcFunction",
        ("POST", "/webhook"): "IngestFunction",
        ("GET", "/connect"): "ConnectFunction",
        ("GET", "/connect/callback"): "ConnectFunction",
    }
    assert template["Resources"]["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"


def test_http_api_is_throttled_and_logs_without_query_or_headers(template):
    api = props(template, "HttpApi")
    assert set(api["DefaultRouteSettings"]) >= {"ThrottlingRateLimit", "ThrottlingBurstLimit"}
    log_format = api["AccessLogSettings"]["Format"]
    json.loads(log_format)  # one JSON object per request
    assert "crc_token" not in log_format
    assert "querystring" not in log_format.lower()
    assert "signature" not in log_format.lower()
    assert "$context.path" not in log_format
    assert referenced_ids(api["AccessLogSettings"]["DestinationArn"]) == {"HttpApiAccessLogs"}


# ---------------------------------------------------------------------------------------- functions
@pytest.mark.parametrize("name, function_id", FUNCTIONS.items())
def test_functions_run_python_313_from_their_own_directory(template, name, function_id):
    assert function_setting(template, function_id, "Runtime") == "python3.13"
    assert function_setting(template, function_id, "Handler") == "app.handler"
    code = (INFRA / props(template, function_id)["CodeUri"]).resolve()
    assert code == REPO / "functions" / name
    assert (code / "requirements.txt").is_file()
    metadata = template["Resources"][function_id]["Metadata"]
    assert metadata["BuildMethod"] == "makefile"
    assert (INFRA / metadata["ContextPath"] / "Makefile").is_file()


@pytest.mark.parametrize("function_id", FUNCTIONS.values())
def test_every_function_has_the_shared_layer_and_the_secrets_extension(template, function_id):
    layers = function_layers(template, function_id)
    assert {"Ref": "SharedLayer"} in layers
    extension = [layer for layer in layers if layer != {"Ref": "SharedLayer"}]
    assert extension == [
        {
            "Fn::If": [
                "HasExtensionLayerArn",
                {"Ref": "ParametersSecretsExtensionLayerArn"},
                {"Fn::FindInMap": ["ExtensionLayers", {"Ref": "AWS::Region"}, "Arn"]},
            ]
        }
    ]
    assert Resolver(template).resolve(extension[0]).startswith("arn:aws:lambda:us-east-1:177933569100:layer:")
    override = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99"
    assert Resolver(template, ParametersSecretsExtensionLayerArn=override).resolve(extension[0]) == override


def test_extension_mapping_holds_one_x86_arn_per_region_of_its_partition(template):
    mapping = template["Mappings"]["ExtensionLayers"]
    assert {"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"} <= set(mapping)
    for region, entry in mapping.items():
        partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
        pattern = rf"arn:{partition}:lambda:{region}:\d{{12}}:layer:AWS-Parameters-and-Secrets-Lambda-Extension:\d+"
        assert re.fullmatch(pattern, entry["Arn"]), entry["Arn"]
    assert template["Parameters"]["ParametersSecretsExtensionLayerArn"]["Default"] == ""


def test_shared_layer_packages_src_with_the_makefile(template):
    layer = template["Resources"]["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert (INFRA / layer["Properties"]["ContentUri"]).resolve() == REPO / "src"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-SharedLayer:" in (INFRA / layer["Metadata"]["ContextPath"] / "Makefile").read_text()


@pytest.mark.parametrize("function_id", FUNCTIONS.values())
def test_environment_names_are_the_contracts(template, function_id):
    environment = function_environment(template, function_id)
    assert set(environment) == EXPECTED_ENV[function_id]
    for name, value in environment.items():  # Lambda takes strings only; no secret values resolved in
        assert isinstance(value, (str, dict)), name
        assert "resolve:secretsmanager" not in json.dumps(value), name


def test_environment_points_at_this_stacks_resources(template):
    ingest = function_environment(template, "IngestFunction")
    admin = function_environment(template, "AdminFunction")
    assert ingest["CONSUMER_SECRET_ID"] == {"Ref": "ConsumerSecret"}
    assert ingest["EVENTS_QUEUE_URL"] == {"Ref": "EventsQueue"}
    assert Resolver(template).resolve(ingest["DEDUP_TABLE"]) == Resolver.STAND_INS["AWS::DynamoDB::Table"]
    assert Resolver(template, ReplayDedup="disabled").resolve(ingest["DEDUP_TABLE"]) == ""
    assert admin["X_CREDENTIALS_SECRET_ID"] == {"Ref": "XApiCredentialsSecret"}
    assert admin["POWERTOOLS_METRICS_NAMESPACE"] == "XWebhook"
    assert admin["POWERTOOLS_SERVICE_NAME"] == "xwebhook"
    defaults = Resolver(template)
    assert defaults.resolve(admin["X_API_BASE_URL"]) == "https://api.x.com"
    assert defaults.resolve(admin["X_API_FLAVOUR"]) == "v2"
    assert template["Parameters"]["XApiFlavour"]["AllowedValues"] == ["v2", "enterprise", "premium"]


def test_webhook_url_is_the_http_apis_unless_overridden(template):
    admin_url = function_environment(template, "AdminFunction")["WEBHOOK_URL"]
    assert admin_url == template["Outputs"]["WebhookUrl"]["Value"]
    assert Resolver(template).resolve(admin_url) == "https://abc123defg.execute-api.us-east-1.amazonaws.com/webhook"
    custom = "https://hooks.example.com/webhook"
    assert Resolver(template, PublicWebhookUrl=custom).resolve(admin_url) == custom
    assert re.fullmatch(template["Parameters"]["PublicWebhookUrl"]["AllowedPattern"], custom)
    assert not re.fullmatch(template["Parameters"]["PublicWebhookUrl"]["AllowedPattern"], "https://h.example:8443/x")


@pytest.mark.parametrize("name", ["crc", "ingest"])
def test_the_templates_environment_is_enough_for_the_handler_to_start(template, name):
    env = {
        key: str(Resolver(template).resolve(value))
        for key, value in function_environment(template, FUNCTIONS[name]).items()
    }
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    module = load_function(name, env, module_name=f"template_test_{name}")
    assert callable(module.handler)


# ---------------------------------------------------------------------------------------- least privilege
@pytest.mark.parametrize("replay_dedup", ["enabled", "disabled"])
def test_no_policy_statement_has_a_wildcard_action_or_resource(template, replay_dedup):
    statements = list(all_policy_statements(template, Resolver(template, ReplayDedup=replay_dedup)))
    assert len(statements) >= 8
    for statement in statements:
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource in as_list(statement["Resource"]):
            if resource == "*" and set(as_list(statement["Action"])) <= NO_RESOURCE_LEVEL_ACTIONS:
                continue
            assert not (isinstance(resource, str) and "*" in resource), statement
        assert "NotAction" not in statement
        assert "NotResource" not in statement


@pytest.mark.parametrize("replay_dedup", ["enabled", "disabled"])
@pytest.mark.parametrize("function_id", FUNCTIONS.values())
def test_each_function_role_reaches_only_its_own_resources(template, function_id, replay_dedup):
    function = props(template, function_id)
    # SAM-made roles would carry AWSLambdaBasicExecutionRole (logs on Resource "*").
    assert "Policies" not in function
    role = props(template, role_of(template, function_id))
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    access = {}
    for statement in role_statements(
        template, role_of(template, function_id), Resolver(template, ReplayDedup=replay_dedup)
    ):
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            (target,) = ["*"] if resource == "*" else referenced_ids(resource)
            access.setdefault(target, set()).update(as_list(statement["Action"]))
    expected = dict(EXPECTED_ACCESS[function_id])
    if replay_dedup == "disabled":
        expected.pop("DedupTable", None)  # no table, no access to it
    assert access == expected
    log_group = function["LoggingConfig"]["LogGroup"]
    assert log_group == {"Ref": f"{function_id.removesuffix('Function')}LogGroup"}


@pytest.mark.parametrize("replay_dedup", ["enabled", "disabled"])
def test_admin_reads_only_the_dedup_indexes_by_user_and_signals_and_only_with_the_table(template, replay_dedup):
    resolver = Resolver(template, ReplayDedup=replay_dedup)
    statements = [
        st for st in policy_statements(props(template, "AdminFunctionRole"), resolver) if "DedupTable" in json.dumps(st)
    ]
    if replay_dedup == "disabled":
        assert statements == []
        return
    assert [statement["Action"] for statement in statements] == ["dynamodb:Query", "dynamodb:Query"]
    assert sorted(json.dumps(statement["Resource"]) for statement in statements) == sorted(
        json.dumps({"Fn::Sub": f"${{DedupTable.Arn}}/index/{index}"}) for index in ("by_user", "signals")
    )


def test_admin_sees_the_dedup_table_as_ingest_writes_it(template):
    admin = function_environment(template, "AdminFunction")
    ingest = function_environment(template, "IngestFunction")
    assert admin["DEDUP_TABLE"] == ingest["DEDUP_TABLE"]
    assert admin["DEDUP_TTL_HOURS"] == ingest["DEDUP_TTL_HOURS"]


def test_the_xaa_parameters_defaults_are_the_admin_settings_defaults(template):
    from xwebhook.migrate.settings import XaaSettings

    environment = function_environment(template, "AdminFunction")
    resolved = {
        key: str(Resolver(template).resolve(value))
        for key, value in environment.items()
        if key.startswith(("XAA_", "MIGRATE_"))
    }
    assert XaaSettings.from_env(resolved) == XaaSettings()
    for order in ("oauth2,oauth1", "oauth1,oauth2,bearer", "bearer"):
        assert re.fullmatch(template["Parameters"]["XaaPrivateAuth"]["AllowedPattern"], order)
        XaaSettings.from_env({"XAA_PRIVATE_AUTH": order})
    assert template["Parameters"]["XaaDirections"]["AllowedValues"] == ["omit", "each"]


def test_schedule_role_can_only_invoke_the_admin_function(template):
    role = props(template, "EnsureScheduleRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    (statement,) = policy_statements(role)
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == {"Fn::GetAtt": ["AdminFunction", "Arn"]}


# ---------------------------------------------------------------------------------------- queues
@pytest.mark.parametrize("queue_type", ["fifo", "standard"])
def test_queues_switch_type_and_names_together(template, queue_type):
    resolver = Resolver(template, QueueType=queue_type)
    events = resolver.resolve(props(template, "EventsQueue"))
    dlq = resolver.resolve(props(template, "EventsDeadLetterQueue"))
    fifo = queue_type == "fifo"
    for queue in (events, dlq):
        assert queue.get("FifoQueue", False) is fifo
        assert queue["QueueName"].endswith(".fifo") is fifo
        assert queue["MaximumMessageSize"] == 1048576
        assert queue["SqsManagedSseEnabled"] is True
    assert events["QueueName"] != dlq["QueueName"]
    fifo_only = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
    if fifo:
        # explicit dedup ids from ingest; high-throughput FIFO with dedup per message group
        assert events["ContentBasedDeduplication"] is False
        assert events["DeduplicationScope"] == "messageGroup"
        assert events["FifoThroughputLimit"] == "perMessageGroupId"
    else:
        assert not fifo_only & set(events)


def test_dead_letter_queue_takes_what_consumers_fail(template):
    events = props(template, "EventsQueue")
    dlq = props(template, "EventsDeadLetterQueue")
    assert events["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}
    assert events["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert template["Parameters"]["MaxReceiveCount"]["Default"] == 5
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    # a message's age counts from its first enqueue, so the DLQ must keep messages longer
    assert events["MessageRetentionPeriod"] < dlq["MessageRetentionPeriod"]
    assert events["VisibilityTimeout"] == {"Ref": "EventsVisibilityTimeoutSeconds"}


def test_queue_names_fit_sqs_limits_for_the_default_stack_name(template):
    for logical_id in ("EventsQueue", "EventsDeadLetterQueue"):
        name = Resolver(template).resolve(props(template, logical_id)["QueueName"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,75}(\.fifo)?", name), name


# ---------------------------------------------------------------------------------------- secrets, table
@pytest.mark.parametrize("logical_id", ["ConsumerSecret", "XApiCredentialsSecret"])
def test_secrets_are_created_without_a_value(template, logical_id):
    secret = template["Resources"][logical_id]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert not {"SecretString", "GenerateSecretString", "SecretBinary"} & set(secret["Properties"])


def test_no_secret_value_in_parameters_or_dynamic_references(template):
    text = TEMPLATE_PATH.read_text()
    assert "{{resolve:" not in text
    for name, parameter in template["Parameters"].items():
        assert not re.search(r"secret|token|password", name, re.IGNORECASE) or parameter.get("Default") in ("", None)


def test_replay_dedup_can_be_switched_off_with_its_table_and_output(template):
    assert template["Parameters"]["ReplayDedup"]["Default"] == "enabled"
    assert template["Resources"]["DedupTable"]["Condition"] == "UseReplayDedup"
    assert template["Outputs"]["DedupTableName"]["Condition"] == "UseReplayDedup"
    assert Resolver(template).condition("UseReplayDedup")
    assert not Resolver(template, ReplayDedup="disabled").condition("UseReplayDedup")


def test_dedup_table_matches_the_dedup_store(template):
    table = props(template, "DedupTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "event_id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_dedup_table_has_the_indexes_other_capabilities_query(template):
    # The dedup table's indexes: by_user (XAA seen per account, counts by type) and signals (revokes).
    indexes = {index["IndexName"]: index for index in props(template, "DedupTable")["GlobalSecondaryIndexes"]}
    assert indexes["by_user"]["KeySchema"] == [
        {"AttributeName": "for_user_id", "KeyType": "HASH"},
        {"AttributeName": "received_at", "KeyType": "RANGE"},
    ]
    assert indexes["by_user"]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["source", "event_type"],
    }
    assert indexes["signals"]["KeySchema"] == [
        {"AttributeName": "signal", "KeyType": "HASH"},
        {"AttributeName": "received_at", "KeyType": "RANGE"},
    ]
    assert indexes["signals"]["Projection"] == {"ProjectionType": "ALL"}


def test_the_items_the_dedup_store_writes_have_the_types_the_table_declares(template):
    from tests.fakes import FakeDynamo, event_message
    from xwebhook.receive.dedup import DynamoDedupStore

    declared = {d["AttributeName"]: d["AttributeType"] for d in props(template, "DedupTable")["AttributeDefinitions"]}
    assert declared == {"event_id": "S", "for_user_id": "S", "received_at": "N", "signal": "S"}
    dynamo = FakeDynamo()
    revoke = event_message("revoke:-:1", "xaa", "oauth.revoke", for_user_id=None, signal_user_id="1")
    DynamoDedupStore(dynamo, "dedup", 3600).remember([event_message("post:1:2"), revoke])
    for item in dynamo.items.values():
        for name, kind in declared.items():
            if name in item:
                assert list(item[name]) == [kind], name
        assert {"event_id", "expires_at", "received_at", "source", "event_type"} <= item.keys()


# ---------------------------------------------------------------------------------------- schedule, alarms
def test_schedule_runs_ensure_on_the_admin_function_hourly_by_default(template):
    schedule = props(template, "EnsureSchedule")
    assert template["Resources"]["EnsureSchedule"]["Type"] == "AWS::Scheduler::Schedule"
    assert json.loads(schedule["Target"]["Input"]) == {"action": "ensure"}
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["AdminFunction", "Arn"]}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["EnsureScheduleRole", "Arn"]}
    assert Resolver(template).resolve(schedule["ScheduleExpression"]) == "rate(60 minutes)"
    assert props(template, "AdminFunction")["Timeout"] >= 30


def alarm_on(template, metric_name):
    (alarm,) = [
        a["Properties"]
        for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == metric_name
    ]
    return alarm


def test_webhook_valid_alarm_fires_when_invalid_or_not_reported(template):
    alarm = alarm_on(template, "WebhookValid")
    assert alarm["Namespace"] == "XWebhook"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "xwebhook"}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    schedule = props(template, "EnsureSchedule")["ScheduleExpression"]
    for minutes in template["Parameters"]["EnsureIntervalMinutes"]["AllowedValues"]:
        resolver = Resolver(template, EnsureIntervalMinutes=minutes)
        period = resolver.resolve(alarm["Period"])
        assert resolver.resolve(schedule) == f"rate({minutes} minutes)"
        assert period == int(minutes) * 60  # one ensure per period
        assert period * alarm["EvaluationPeriods"] <= 86400  # CloudWatch's evaluation range


def test_dead_letter_queue_alarm(template):
    alarm = alarm_on(template, "ApproximateNumberOfMessagesVisible")
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["EventsDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_deliveries_failed_alarm(template):
    alarm = alarm_on(template, "DeliveriesFailed")
    assert alarm["Namespace"] == "XWebhook"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "xwebhook"}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["Statistic"]) == ("GreaterThanThreshold", 0, "Sum")


def test_replay_lost_alarm_watches_what_the_recovery_emits(template):
    alarm = alarm_on(template, "ReplayMinutesLost")
    assert alarm["Namespace"] == "XWebhook"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "xwebhook"}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["Statistic"]) == ("GreaterThanThreshold", 0, "Sum")
    assert alarm["TreatMissingData"] == "notBreaching"


# ---------------------------------------------------------------------------------------- admin state, recovery
def test_admin_state_is_a_standard_string_parameter_holding_the_empty_state(template):
    from xwebhook.recovery import state

    parameter = props(template, "AdminStateParameter")
    assert (parameter["Type"], parameter["Tier"]) == ("String", "Standard")
    assert state.decode(parameter["Value"]) == state.empty()
    assert Resolver(template).resolve(parameter["Name"]) == "/xwebhook/admin-state"
    assert function_environment(template, "AdminFunction")["ADMIN_STATE_PARAMETER"] == {"Ref": "AdminStateParameter"}


def test_only_the_admin_role_reaches_the_admin_state(template):
    for logical_id, resource in resources_of_type(template, "AWS::IAM::Role").items():
        statements = list(policy_statements(resource["Properties"], Resolver(template)))
        touches = any("AdminStateParameter" in referenced_ids(statement["Resource"]) for statement in statements)
        assert touches == (logical_id == "AdminFunctionRole"), logical_id


@pytest.mark.parametrize(
    ("auto_replay", "replay_dedup", "expected"),
    [("enabled", "enabled", "true"), ("disabled", "enabled", "false"), ("enabled", "disabled", "false")],
)
def test_auto_replay_needs_the_dedup_table(template, auto_replay, replay_dedup, expected):
    resolver = Resolver(template, AutoReplay=auto_replay, ReplayDedup=replay_dedup)
    env = function_environment(template, "AdminFunction")
    assert resolver.resolve(env["AUTO_REPLAY"]) == expected
    assert resolver.resolve(env["REPLAY_DEDUP"]) == ("true" if replay_dedup == "enabled" else "false")


def test_the_recovery_reads_the_metrics_the_failed_and_timed_out_filters_write(template):
    from xwebhook.recovery import delivery_failures

    read = {(namespace, name, tuple(d["Value"] for d in dims)) for namespace, name, dims in delivery_failures.METRICS}
    written = set()
    for logical_id in ("DeliveriesFailedMetric", "DeliveriesTimedOutMetric"):
        (transformation,) = props(template, logical_id)["MetricTransformations"]
        values = tuple("xwebhook" for _ in transformation.get("Dimensions", []))  # $.service is "xwebhook"
        written.add((transformation["MetricNamespace"], transformation["MetricName"], values))
    assert read == written
    assert alarm_on(template, "DeliveriesFailed")["Dimensions"] == [{"Name": "service", "Value": "xwebhook"}]


def test_a_lambda_timeout_line_counts_as_timed_out_and_nothing_else(template):
    timeout_line = "2026-11-27T15:30:12.345Z 5f0c1d2e-aaaa Task timed out after 10.01 seconds"
    matched = {
        logical_id
        for logical_id, f in resources_of_type(template, "AWS::Logs::MetricFilter").items()
        if filter_matches(f["Properties"]["FilterPattern"], timeout_line)
    }
    assert matched == {"DeliveriesTimedOutMetric"}
    assert props(template, "DeliveriesTimedOutMetric")["LogGroupName"] == {"Ref": "IngestLogGroup"}
    alarm = alarm_on(template, "DeliveriesTimedOut")
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["Statistic"]) == ("GreaterThanThreshold", 0, "Sum")


def test_alarms_notify_the_topic_only_when_an_email_is_given(template):
    assert template["Resources"]["AlarmTopic"]["Condition"] == "HasAlarmEmail"
    for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values():
        for key in ("AlarmActions", "OKActions"):
            assert alarm["Properties"][key] == {
                "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
            }
    assert Resolver(template).condition("HasAlarmEmail") is False
    assert Resolver(template, AlarmEmail="ops@example.com").condition("HasAlarmEmail") is True


# ---------------------------------------------------------------------------------------- ingest metrics
def filter_matches(pattern, line):
    """CloudWatch Logs filter patterns, evaluated by the local stand-in `make run` uses. `line`: a parsed
    JSON line (a dict) or a raw one; a JSON pattern never matches a raw line, nor a term pattern a dict."""
    from localdev.metric_filters import compile_pattern, is_json_pattern

    if is_json_pattern(pattern) != isinstance(line, dict):
        return False
    return compile_pattern(pattern)(line)


@pytest.fixture
def ingest_lines(template, capsys):
    """One log line each from the real ingest handler for a 200, a 401 and a 503."""
    env = {
        key: str(Resolver(template).resolve(value))
        for key, value in function_environment(template, "IngestFunction").items()
    }
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    app = load_function("ingest", env, module_name="template_test_ingest_metrics")
    body = sample_bytes("aaa/favorite")

    def post(secret, headers):
        app.ingestor = DeliveryIngestor(secret, SqsEventPublisher(FakeSqs(), FAKE_QUEUE_URL), 512 * 1024)
        event = {"headers": headers, "body": body.decode(), "isBase64Encoded": False}
        capsys.readouterr()
        response = app.handler(event, None)
        (line,) = capsys.readouterr().out.splitlines()
        return response["statusCode"], json.loads(line)

    return [
        post(StaticSecret(DEV_SECRET.encode()), {"x-twitter-webhooks-signature": signature(body)}),
        post(StaticSecret(DEV_SECRET.encode()), {}),
        post(StaticSecret(available=False), {"x-twitter-webhooks-signature": signature(body)}),
    ]


def test_metric_filters_count_what_ingest_logs(template, ingest_lines):
    counters = {"DeliveriesAccepted", "DeliveriesRejected", "DeliveriesFailed", "EventsSent", "DuplicatesSkipped"}
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"]
        for f in resources_of_type(template, "AWS::Logs::MetricFilter").values()
        if f["Properties"]["FilterPattern"].startswith("{")  # the JSON ones, on ingest's own line
    }
    # The alarms' counters; the dashboard's filters by reason, type and CRC outcome: test_dashboard.py.
    assert counters <= set(filters)
    filters = {name: f for name, f in filters.items() if name in counters}
    assert [status for status, _ in ingest_lines] == [200, 401, 503]
    expected = {
        200: {"DeliveriesAccepted", "EventsSent", "DuplicatesSkipped"},
        401: {"DeliveriesRejected"},
        503: {"DeliveriesFailed"},
    }
    for status, line in ingest_lines:
        matched = {name for name, f in filters.items() if filter_matches(f["FilterPattern"], line)}
        assert matched == expected[status], (status, line)
    accepted = ingest_lines[0][1]
    assert accepted["sent"] >= 1
    for f in filters.values():
        assert f["LogGroupName"] == {"Ref": "IngestLogGroup"}
        (transformation,) = f["MetricTransformations"]
        assert transformation["MetricNamespace"] == "XWebhook"
        assert transformation["Dimensions"] == [{"Key": "service", "Value": "$.service"}]
        value = transformation["MetricValue"]
        assert value == "1" or value.removeprefix("$.") in accepted
    assert accepted["service"] == "xwebhook"


# ---------------------------------------------------------------------------------------- outputs
def test_outputs_are_the_contracts_and_carry_no_secret_value(template):
    outputs = template["Outputs"]
    assert set(outputs) == OUTPUTS
    assert outputs["ConsumerSecretArn"]["Value"] == {"Ref": "ConsumerSecret"}  # the ARN, not the value
    assert outputs["XApiCredentialsSecretArn"]["Value"] == {"Ref": "XApiCredentialsSecret"}
    assert outputs["EventsQueueUrl"]["Value"] == {"Ref": "EventsQueue"}
    assert outputs["DeadLetterQueueArn"]["Value"] == {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}
    assert outputs["AdminFunctionName"]["Value"] == {"Ref": "AdminFunction"}
    assert outputs["DedupTableName"]["Value"] == {"Ref": "DedupTable"}
    for output in outputs.values():
        assert "resolve:" not in json.dumps(output)
        assert "SecretString" not in json.dumps(output)


# ---------------------------------------------------------------------------------------- builds
def python_313():
    if sys.version_info[:2] == (3, 13):
        return sys.executable
    return shutil.which("python3.13")


def make_target(target, source, artifacts, tmp_path, extra_dirs=(), extra_files=()):
    """Run a build target as `sam build` does: in a scratch copy of the source, ARTIFACTS_DIR set."""
    scratch = tmp_path / "scratch"
    shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(".aws-sam", ".git"))
    artifacts.mkdir()  # SAM creates it before running make
    for directory in extra_dirs:
        (scratch / directory).mkdir(parents=True, exist_ok=True)
        (scratch / directory / "PKG-INFO").write_text("Name: stand-in\n")
    for name in extra_files:
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text('"""stand-in"""\n')
    env = {"PATH": "/usr/bin:/bin", "ARTIFACTS_DIR": str(artifacts), "PYTHON": python_313()}
    subprocess.run(
        ["make", "--makefile", str(INFRA / "Makefile"), target], cwd=scratch, env=env, check=True, capture_output=True
    )
    return sorted(str(p.relative_to(artifacts)) for p in artifacts.rglob("*") if p.is_file())


needs_make = pytest.mark.skipif(not shutil.which("make") or not python_313(), reason="needs make and Python 3.13")


def assert_unchecked_hash_pyc(path):
    header = path.read_bytes()[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, not checked against the source


@needs_make
def test_layer_build_holds_only_the_package_precompiled(tmp_path):
    artifacts = tmp_path / "layer"
    # what an editable install and earlier imports leave in src/
    leftovers = ("xwebhook.egg-info", "xwebhook/__pycache__", "xwebhook/receive/__pycache__")
    files = make_target("build-SharedLayer", REPO / "src", artifacts, tmp_path, extra_dirs=leftovers)
    package = REPO / "src" / "xwebhook"
    modules = sorted(
        p.relative_to(package) for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in NOT_DEPLOYED
    )
    assert any(len(module.parts) > 1 for module in modules)  # subpackages (admin/, receive/, ...) are shipped
    data = sorted(p.relative_to(package) for p in package.rglob("*.json"))
    assert [str(d) for d in data] == ["contract/message.schema.json"]  # package data ships too
    assert files == sorted(
        [f"python/xwebhook/{m}" for m in modules]
        + [f"python/xwebhook/{m.parent / '__pycache__' / m.stem}.cpython-313.pyc".replace("/./", "/") for m in modules]
        + [f"python/xwebhook/{d}" for d in data]
    )
    assert not any("/cli/" in name or "/send/" in name for name in files)
    assert_unchecked_hash_pyc(artifacts / "python/xwebhook/receive/__pycache__/crc.cpython-313.pyc")


@needs_make
def test_the_developer_tools_never_reach_the_layer(tmp_path):
    artifacts = tmp_path / "layer"
    tools = (
        "xwebhook/cli/__init__.py",
        "xwebhook/cli/main.py",
        "xwebhook/cli/commands/status.py",
        "xwebhook/send/__init__.py",
        "xwebhook/send/deliveries.py",
    )
    files = make_target("build-SharedLayer", REPO / "src", artifacts, tmp_path, extra_files=tools)
    assert "python/xwebhook/__init__.py" in files
    assert not any(name.startswith(("python/xwebhook/cli", "python/xwebhook/send")) for name in files), files


@needs_make
def test_crc_build_holds_its_handler_and_nothing_else(tmp_path):
    artifacts = tmp_path / "crc"
    files = make_target("build-CrcFunction", REPO / "functions" / "crc", artifacts, tmp_path)
    assert files == ["__pycache__/app.cpython-313.pyc", "app.py", "requirements.txt"]
    assert_unchecked_hash_pyc(artifacts / "__pycache__/app.cpython-313.pyc")


def other_python():
    """A working interpreter that is not 3.13 (pyenv shims that fail to run do not count)."""
    candidates = [shutil.which(name) for name in ("python3.12", "python3.11")]
    candidates += sorted(str(p) for p in Path(sys.base_prefix).parent.glob("3.1[12]*/bin/python3"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True)
        if probe.returncode == 0 and probe.stdout.strip() != b"(3, 13)":
            return candidate
    return None


@needs_make
@pytest.mark.skipif(not other_python(), reason="needs a Python other than 3.13")
def test_build_refuses_a_python_other_than_the_runtimes(tmp_path):
    scratch = tmp_path / "scratch"
    shutil.copytree(REPO / "functions" / "crc", scratch)
    env = {"PATH": "/usr/bin:/bin", "ARTIFACTS_DIR": str(tmp_path / "out"), "PYTHON": other_python()}
    result = subprocess.run(
        ["make", "--makefile", str(INFRA / "Makefile"), "build-CrcFunction"], cwd=scratch, env=env, capture_output=True
    )
    assert result.returncode != 0
    assert b"needs Python 3.13" in result.stderr
    assert not (tmp_path / "out" / "app.py").exists()


# ---------------------------------------------------------------------------------------- cfn-lint
def test_cfn_lint_finds_nothing():
    matches = lint_file(TEMPLATE_PATH)
    assert [str(m) for m in matches] == []


def test_cfn_lint_would_catch_a_broken_queue(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text(
        TEMPLATE_PATH.read_text().replace("MaximumMessageSize: 1048576", "MaximumMessageSize: 2097152", 1)
    )
    assert any("2097152" in str(m) for m in lint_file(broken))


# ---------------------------------------------------------------------------------------- what ships (issue 6)
def test_x_api_base_url_parameter_takes_https_only(template):
    parameter = template["Parameters"]["XApiBaseUrl"]
    pattern = parameter["AllowedPattern"]
    assert re.fullmatch(pattern, parameter["Default"])
    for url in ("https://api.x.com", "https://api.twitter.com/", "https://proxy.example.com:8443/x"):
        assert re.fullmatch(pattern, url), url
    for url in ("http://api.x.com", "http://127.0.0.1:8787", "api.x.com", "https://", "https://a b.com"):
        assert not re.fullmatch(pattern, url), url


def test_execute_api_endpoint_can_be_disabled_only_with_public_urls_for_the_webhook_and_connect(template):
    api = props(template, "HttpApi")
    assert Resolver(template).resolve(api["DisableExecuteApiEndpoint"]) is False
    assert Resolver(template, DisableExecuteApiEndpoint="true").resolve(api["DisableExecuteApiEndpoint"]) is True
    (rule,) = template["Rules"].values()

    def refused(**parameters):
        resolver = Resolver(template, **parameters)
        return resolver.truth(rule["RuleCondition"]) and not all(
            resolver.truth(assertion["Assert"]) for assertion in rule["Assertions"]
        )

    assert refused(DisableExecuteApiEndpoint="true")
    assert refused(DisableExecuteApiEndpoint="true", PublicWebhookUrl="https://hooks.example.com/webhook")
    assert not refused(
        DisableExecuteApiEndpoint="true",
        PublicWebhookUrl="https://hooks.example.com/webhook",
        PublicConnectBaseUrl="https://hooks.example.com",
    )
    assert not refused(
        DisableExecuteApiEndpoint="true", PublicWebhookUrl="https://hooks.example.com/webhook", ConnectMode="off"
    )
    assert not refused()
    assert "PublicWebhookUrl" in rule["Assertions"][0]["AssertDescription"]


@pytest.mark.parametrize(
    ("function_id", "parameter", "default"),
    [("CrcFunction", "CrcReservedConcurrency", "5"), ("IngestFunction", "IngestReservedConcurrency", None),
     ("AdminFunction", "AdminReservedConcurrency", None)],
)  # fmt: skip
def test_reserved_concurrency_is_a_parameter_per_function_and_zero_means_none(
    template, function_id, parameter, default
):
    reserved = props(template, function_id)["ReservedConcurrentExecutions"]
    value = Resolver(template).resolve(reserved)
    assert (None if value is NO_VALUE else value) == default
    assert Resolver(template, **{parameter: "7"}).resolve(reserved) == "7"
    # 0 would throttle every call: it means "no reservation", the property is dropped
    assert Resolver(template, **{parameter: "0"}).resolve(reserved) is NO_VALUE
    assert template["Parameters"][parameter]["MinValue"] == 0


def test_every_log_group_is_encrypted_with_the_stacks_logs_key(template):
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    assert {"HttpApiAccessLogs", "CrcLogGroup", "IngestLogGroup", "AdminLogGroup"} <= set(groups)
    for logical_id in groups:
        assert props(template, logical_id)["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}, logical_id


def test_the_logs_key_rotates_and_only_cloudwatch_logs_may_use_it_for_this_stacks_log_groups(template):
    key = props(template, "LogsKey")
    assert key["EnableKeyRotation"] is True
    statements = {statement["Sid"]: statement for statement in key["KeyPolicy"]["Statement"]}
    assert set(statements) == {"AccountAdministersTheKey", "CloudWatchLogsEncryptsThisStacksLogGroups"}
    logs = statements["CloudWatchLogsEncryptsThisStacksLogGroups"]
    assert logs["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.${AWS::URLSuffix}"}}
    assert not any(action in ("kms:*", "kms:CreateGrant", "kms:PutKeyPolicy") for action in logs["Action"])
    allowed = [
        Resolver(template).resolve(arn) for arn in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    resolver = Resolver(template)
    for logical_id in resources_of_type(template, "AWS::Logs::LogGroup"):
        name = resolver.resolve(props(template, logical_id)["LogGroupName"])
        arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{name}"
        assert any(re.fullmatch(pattern.replace("*", ".*"), arn) for pattern in allowed), name
    assert not any(
        re.fullmatch(p.replace("*", ".*"), "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/other-crc")
        for p in allowed
    )
    admin = statements["AccountAdministersTheKey"]["Principal"]
    assert admin == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}


def checkov_skips(template):
    for logical_id, resource in template["Resources"].items():
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", []):
            yield logical_id, skip


def test_every_checkov_suppression_names_its_check_and_gives_its_reason(template):
    skips = list(checkov_skips(template))
    assert skips, "the template's checkov suppressions are expected in Metadata.checkov.skip"
    for logical_id, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (logical_id, skip)
        assert len(skip.get("comment", "").split()) >= 12, f"{logical_id} {skip['id']}: a reason, not a label"


def test_every_checkov_suppression_is_listed_on_the_development_page(template):
    page = (REPO / "docs" / "development.md").read_text()
    for logical_id, skip in checkov_skips(template):
        assert skip["id"] in page, f"{logical_id} {skip['id']} is suppressed but docs/development.md does not list it"
