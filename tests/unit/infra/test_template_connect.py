"""infra/template.yaml, the connect block: the function and its routes, the accounts table and its key, the
signing key secret, the admin function's access, the reconnect alarm and the outputs."""

import fnmatch
import re

import pytest

from localdev.handlers import load_function
from tests.unit.infra.test_template import (
    Resolver,
    as_list,
    choose_branches,
    function_environment,
    policy_statements,
    props,
    referenced_ids,
    role_statements,
    template,  # noqa: F401 - the fixture
)

CONNECT_ONLY = ("ConnectFunction", "ConnectFunctionRole", "ConnectLogGroup")


def test_connect_mode_defaults_to_invite_and_off_leaves_out_the_function_and_its_routes(template):  # noqa: F811
    assert template["Parameters"]["ConnectMode"]["Default"] == "invite"
    assert template["Parameters"]["ConnectMode"]["AllowedValues"] == ["invite", "open", "off"]
    for logical_id in CONNECT_ONLY:
        assert template["Resources"][logical_id]["Condition"] == "ConnectEnabled"
    for output in ("ConnectCallbackUrl", "ConnectUrl"):
        assert template["Outputs"][output]["Condition"] == "ConnectEnabled"
    assert Resolver(template).condition("ConnectEnabled")
    assert Resolver(template, ConnectMode="open").condition("ConnectEnabled")
    assert not Resolver(template, ConnectMode="off").condition("ConnectEnabled")
    # the table, its key and the admin function's access stay: connected accounts are still kept working
    for logical_id in ("AccountsTable", "AccountsKey", "ConnectSigningKeySecret"):
        assert "Condition" not in template["Resources"][logical_id]


def test_the_accounts_table_is_keyed_by_pk_ttld_encrypted_with_the_stacks_key_and_recoverable(template):  # noqa: F811
    table = props(template, "AccountsTable")
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "AccountsKey"}}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def key_statements(template, resolver=None):  # noqa: F811
    statements = props(template, "AccountsKey")["KeyPolicy"]["Statement"]
    return {s["Sid"]: s for s in (choose_branches(statements, resolver) if resolver else statements)}


KEY_USE = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
ROOT = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
VIA_DYNAMODB = {"Fn::Sub": "dynamodb.${AWS::Region}.${AWS::URLSuffix}"}


def allows(actions, action):
    return any(fnmatch.fnmatchcase(action, pattern) for pattern in as_list(actions))


def test_the_accounts_key_rotates_and_its_policy_names_the_roles_that_use_it(template):  # noqa: F811
    key = props(template, "AccountsKey")
    assert key["EnableKeyRotation"] is True
    statements = key_statements(template, Resolver(template))
    use = statements["ConnectAndAdminUseTheKeyThroughDynamoDb"]
    assert use["Principal"] == {
        "AWS": [{"Fn::GetAtt": ["AdminFunctionRole", "Arn"]}, {"Fn::GetAtt": ["ConnectFunctionRole", "Arn"]}]
    }
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == VIA_DYNAMODB
    off = key_statements(template, Resolver(template, ConnectMode="off"))["ConnectAndAdminUseTheKeyThroughDynamoDb"]
    assert off["Principal"] == {"AWS": [{"Fn::GetAtt": ["AdminFunctionRole", "Arn"]}]}  # no connect role then


@pytest.mark.parametrize(
    "action", sorted(KEY_USE | {"kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"})
)
def test_the_account_administers_the_accounts_key_but_cannot_use_it_through_iam(template, action):  # noqa: F811
    """An IAM policy in the account, however broad (kms:* on *), decrypts nothing: no statement gives the
    account (root: "IAM decides") a use of the key; CreateGrant only for DynamoDB's own grant."""
    statements = key_statements(template, Resolver(template))
    for sid, statement in statements.items():
        if statement["Principal"] != ROOT or not allows(statement["Action"], action):
            continue
        assert (sid, action) == ("DynamoDbGrantsForTheTable", "kms:CreateGrant"), sid
        assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
        assert statement["Condition"]["StringEquals"]["kms:ViaService"] == VIA_DYNAMODB


@pytest.mark.parametrize(
    "action",
    ["kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:EnableKeyRotation"],
)
def test_cloudformation_can_still_manage_the_accounts_key_through_the_accounts_iam(template, action):  # noqa: F811
    admin = key_statements(template)["AccountAdministersTheKeyThroughIam"]
    assert admin["Principal"] == ROOT
    assert "Condition" not in admin
    assert allows(admin["Action"], action)


def test_only_connect_and_admin_reach_the_accounts_table_its_key_and_the_signing_key(template):  # noqa: F811
    reaching = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for statement in role_statements(template, logical_id, Resolver(template)):
            for resource_ref in as_list(statement["Resource"]):
                for target in referenced_ids(resource_ref):
                    reaching.setdefault(target, set()).add(logical_id)
    for target in ("AccountsTable", "ConnectSigningKeySecret", "XApiCredentialsSecret"):
        assert reaching[target] == {"ConnectFunctionRole", "AdminFunctionRole"}, target
    # the key: no role policy names it; its key policy names exactly the two roles as its users
    assert "AccountsKey" not in reaching
    (use,) = [s for s in key_statements(template, Resolver(template)).values() if allows(s["Action"], "kms:Decrypt")]
    assert {ref["Fn::GetAtt"][0] for ref in use["Principal"]["AWS"]} == {"ConnectFunctionRole", "AdminFunctionRole"}


def connect_may(template, action, key):  # noqa: F811
    """Whether the connect role's policies allow `action` on the accounts table item whose pk is `key`
    (IAM's evaluation for these statements: Allow only, ForAllValues:StringLike on dynamodb:LeadingKeys)."""
    for statement in role_statements(template, "ConnectFunctionRole", Resolver(template)):
        if statement["Resource"] != {"Fn::GetAtt": ["AccountsTable", "Arn"]} or not allows(statement["Action"], action):
            continue
        condition = statement.get("Condition", {})
        patterns = condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
        if patterns is None or any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns):
            return True
    return False


@pytest.mark.parametrize(
    "action, key, allowed",
    [
        # what a sign-in does (accounts/dynamodb.py, connect/dynamodb.py)
        ("dynamodb:GetItem", "account#1500000001", True),
        ("dynamodb:PutItem", "account#1500000001", True),
        ("dynamodb:GetItem", "invite#AbC", True),
        ("dynamodb:UpdateItem", "invite#AbC", True),  # a use spent, in the account's transaction
        ("dynamodb:PutItem", "signin#0f0f", True),
        ("dynamodb:DeleteItem", "signin#0f0f", True),  # taken, once
        # what a compromised connect function may no longer do
        ("dynamodb:DeleteItem", "account#1500000001", False),
        ("dynamodb:UpdateItem", "account#1500000001", False),
        ("dynamodb:PutItem", "invite#AbC", False),  # no minting or rewriting invites
        ("dynamodb:DeleteItem", "invite#AbC", False),
        ("dynamodb:UpdateItem", "signin#0f0f", False),
        ("dynamodb:GetItem", "other#thing", False),
        ("dynamodb:Scan", "account#1500000001", False),
        ("dynamodb:Query", "account#1500000001", False),
    ],
)
def test_the_connect_role_touches_each_kind_of_item_only_as_a_sign_in_does(template, action, key, allowed):  # noqa: F811
    assert connect_may(template, action, key) is allowed


def test_the_connect_roles_key_patterns_are_the_prefixes_the_code_writes(template):  # noqa: F811
    from xwebhook.accounts.dynamodb import ACCOUNT, INVITE
    from xwebhook.connect.dynamodb import PREFIX as SIGN_IN

    patterns = set()
    for statement in role_statements(template, "ConnectFunctionRole", Resolver(template)):
        condition = statement.get("Condition", {})
        if "ForAllValues:StringLike" in condition:
            patterns |= set(condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
            assert condition["Null"] == {"dynamodb:LeadingKeys": "false"}  # a request without a key: refused
    assert patterns == {ACCOUNT + "*", INVITE + "*", SIGN_IN + "*"}


def test_admin_reads_revokes_from_the_signals_index_only(template):  # noqa: F811
    statements = list(policy_statements(props(template, "AdminFunctionRole"), Resolver(template)))
    (revokes,) = [s for s in statements if s.get("Sid") == "RevokeSignals"]
    assert revokes["Action"] == "dynamodb:Query"
    assert revokes["Resource"] == {"Fn::Sub": "${DedupTable.Arn}/index/signals"}
    disabled = list(policy_statements(props(template, "AdminFunctionRole"), Resolver(template, ReplayDedup="disabled")))
    assert not [s for s in disabled if s.get("Sid") == "RevokeSignals"]


def test_the_connect_function_has_no_scan_or_query(template):  # noqa: F811
    actions = set()
    for statement in role_statements(template, "ConnectFunctionRole"):
        actions |= set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    assert not {"dynamodb:Scan", "dynamodb:Query"} & actions


def test_the_signing_key_is_generated_by_cloudformation_never_given(template):  # noqa: F811
    secret = props(template, "ConnectSigningKeySecret")
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True


def test_connect_serves_get_connect_and_its_callback_on_the_http_api(template):  # noqa: F811
    function = props(template, "ConnectFunction")
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in function["Events"].values()}
    assert routes == {("GET", "/connect"), ("GET", "/connect/callback")}
    assert function["Timeout"] < 30  # the HTTP API's integration timeout


def test_the_callback_url_is_the_public_base_plus_connect_callback(template):  # noqa: F811
    output = template["Outputs"]["ConnectCallbackUrl"]["Value"]
    env = function_environment(template, "ConnectFunction")
    default = Resolver(template)
    api = "https://abc123defg.execute-api.us-east-1.amazonaws.com"
    assert default.resolve(env["PUBLIC_BASE_URL"]) == api
    assert default.resolve(output["Fn::If"][2]) == api + "/connect/callback"
    custom = Resolver(template, PublicConnectBaseUrl="https://hooks.example.com")
    assert custom.resolve(env["PUBLIC_BASE_URL"]) == "https://hooks.example.com"
    assert custom.condition("HasPublicConnectBaseUrl")
    pattern = template["Parameters"]["PublicConnectBaseUrl"]["AllowedPattern"]
    assert re.fullmatch(pattern, "https://hooks.example.com/x")
    assert not re.fullmatch(pattern, "https://h.example/")
    admin = function_environment(template, "AdminFunction")
    assert admin["PUBLIC_BASE_URL"] == env["PUBLIC_BASE_URL"]


@pytest.mark.parametrize("parameter", ["XApiBaseUrl", "XWebBaseUrl"])
def test_every_x_url_parameter_takes_https_only(template, parameter):  # noqa: F811
    pattern = template["Parameters"][parameter]["AllowedPattern"]
    assert re.fullmatch(pattern, template["Parameters"][parameter]["Default"])
    for url in ("http://x.com", "http://api.x.com/", "HTTP://x.com", "ftp://x.com", "https://", "https://x.com x"):
        assert not re.fullmatch(pattern, url), url
    x_urls = {name for name in template["Parameters"] if name.startswith("X") and name.endswith("Url")}
    assert x_urls == {"XApiBaseUrl", "XWebBaseUrl"}  # a new X URL parameter gets a case here


def test_the_authorize_readings_are_parameters_with_xs_documented_defaults(template):  # noqa: F811
    parameters = template["Parameters"]
    assert parameters["XWebBaseUrl"]["Default"] == "https://x.com"
    assert parameters["XOAuth2AuthorizePage"]["Default"] == "web"
    assert parameters["XOAuth1AuthorizeHost"]["Default"] == "api"


def test_the_reconnect_alarm_watches_what_ensure_emits(template):  # noqa: F811
    alarm = props(template, "AccountsNeedingReconnectAlarm")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "XWebhook",
        "AccountsNeedingReconnect",
        "Maximum",
    )
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == 0
    assert alarm["TreatMissingData"] == "notBreaching"


def test_the_templates_environment_is_enough_for_the_connect_handler_to_start(template):  # noqa: F811
    env = {
        key: str(Resolver(template).resolve(value))
        for key, value in function_environment(template, "ConnectFunction").items()
    }
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    module = load_function("connect", env, module_name="template_test_connect")
    assert type(module.flow).__name__ == "ConnectFlow"  # not MisconfiguredConnect
