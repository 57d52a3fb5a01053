"""The template evaluator of localdev.provision, on small inline templates (no AWS involved)."""

import pytest

from localdev.provision import (
    NO_VALUE,
    Provisioner,
    ProvisionError,
    TemplateEvaluator,
    Unresolvable,
    parse_template,
)

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 300}
  Names: {Type: CommaDelimitedList, Default: "a, b,c"}
  Empty: {Type: String, Default: ""}
Mappings:
  Regions:
    us-east-1: {Zone: east}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [{Condition: IsProd}]
  HasEmpty: !Equals [!Ref Empty, ""]
  Both: !And [{Condition: IsDev}, {Condition: HasEmpty}]
  Either: !Or [{Condition: IsProd}, !Equals [!Ref Size, 300]]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Thing: {Type: AWS::Made::Up}
"""


def evaluator(parameters=None, template=TEMPLATE, **resources):
    refs = {"Queue": "https://queue-url"}
    atts = {("Queue", "Arn"): "arn:aws:sqs:us-east-1:123456789012:queue"}

    def ref(logical_id, path):
        if logical_id not in refs:
            raise Unresolvable(f"{path}: no {logical_id}")
        return refs[logical_id]

    def get_att(logical_id, attribute, path):
        return atts[(logical_id, attribute)]

    return TemplateEvaluator(parse_template(template), parameters, "my-stack", "us-east-1", ref=ref, get_att=get_att)


def test_short_form_tags_become_long_form_intrinsics():
    template = parse_template(
        "Resources:\n  A: {Type: T, Properties: {X: !Ref B, Y: !GetAtt B.Arn, Z: !Sub '${B}', W: !If [C, 1, 2]}}"
    )
    properties = template["Resources"]["A"]["Properties"]
    assert properties == {
        "X": {"Ref": "B"},
        "Y": {"Fn::GetAtt": ["B", "Arn"]},
        "Z": {"Fn::Sub": "${B}"},
        "W": {"Fn::If": ["C", 1, 2]},
    }


def test_dates_stay_text():
    template = parse_template("AWSTemplateFormatVersion: 2010-09-09\nResources: {A: {Type: T}}")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Size"}, "300"),
        ({"Ref": "Names"}, ["a", "b", "c"]),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::StackName"}, "my-stack"),
        ({"Ref": "Queue"}, "https://queue-url"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:queue"),
        ({"Fn::GetAtt": "Queue.Arn"}, "arn:aws:sqs:us-east-1:123456789012:queue"),
        ({"Fn::Sub": "${AWS::StackName}-x.${AWS::URLSuffix}"}, "my-stack-x.amazonaws.com"),
        (
            {"Fn::Sub": "${Queue}|${Queue.Arn}|${!Literal}"},
            "https://queue-url|arn:aws:sqs:us-east-1:123456789012:queue|${Literal}",
        ),
        ({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "AWS::Region"}}]}, "us-east-1-dev"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}, "a-dev-3"),
        ({"Fn::Select": [1, {"Ref": "Names"}]}, "b"),
        ({"Fn::Split": [",", "x,y"]}, ["x", "y"]),
        ({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Zone"]}, "east"),
        ({"Fn::FindInMap": ["Regions", "eu-west-1", "Zone", {"DefaultValue": "none"}]}, "none"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["Both", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Either", "yes", "no"]}, "yes"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::ToJsonString": {"a": [1]}}, '{"a":[1]}'),
        ({"Fn::Length": [1, 2, 3]}, 3),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ],
)
def test_intrinsics_evaluate(expression, value):
    assert evaluator().resolve(expression) == value


def test_parameters_can_be_overridden_and_change_conditions():
    prod = evaluator({"Stage": "prod"})
    assert prod.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert prod.condition("IsDev") is False


def test_no_value_drops_the_key_or_the_list_entry():
    value = evaluator().resolve(
        {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Fn::If": ["IsProd", 2, {"Ref": "AWS::NoValue"}]}]}
    )
    assert value == {"B": [1]}
    assert evaluator().resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_an_iam_condition_block_is_not_mistaken_for_an_intrinsic():
    statement = {"Effect": "Allow", "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}
    assert evaluator().resolve(statement)["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Fn::ImportValue": "other-stack-output"}, "Fn::ImportValue cannot be evaluated locally"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "Fn::Cidr cannot be evaluated locally"),
        ({"Ref": "Nowhere"}, "Ref Nowhere: no parameter, pseudo parameter or resource"),
        ({"Ref": "Thing"}, "no Thing"),
        ({"Fn::If": ["NoSuchCondition", 1, 2]}, "no condition named 'NoSuchCondition'"),
        ({"Fn::FindInMap": ["Regions", "eu-west-1", "Zone"]}, "not in the template's Mappings"),
        ({"Fn::Select": [5, ["a"]]}, "out of"),
    ],
)
def test_what_cannot_be_evaluated_fails_naming_the_place(expression, message):
    with pytest.raises(Unresolvable, match=message) as failure:
        evaluator().resolve({"Outer": expression}, "Resources.X.Properties")
    assert "Resources.X.Properties.Outer" in str(failure.value)


@pytest.mark.parametrize(
    ("parameters", "template", "message"),
    [
        ({"Nope": "x"}, TEMPLATE, "unknown template parameter"),
        ({"Stage": "qa"}, TEMPLATE, "not one of"),
        (None, "Parameters: {P: {Type: String}}\nResources: {A: {Type: T}}", "P has no Default"),
    ],
)
def test_bad_parameters_are_refused(parameters, template, message):
    with pytest.raises(ProvisionError, match=message):
        evaluator(parameters, template)


def test_a_condition_that_refers_to_itself_is_refused():
    template = "Conditions:\n  A: !Not [{Condition: A}]\nResources: {X: {Type: T}}"
    with pytest.raises(ProvisionError, match="refers to itself"):
        evaluator(template=template).condition("A")


FUNCTIONS = """
Parameters:
  Level: {Type: String, Default: INFO}
  Public: {Type: String, Default: ""}
Conditions:
  HasPublic: !Not [!Equals [!Ref Public, ""]]
Globals:
  Function:
    Timeout: 7
    Environment:
      Variables:
        SHARED: !Sub "${AWS::StackName}-shared"
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: "2773"
Resources:
  Api: {Type: AWS::Serverless::HttpApi}
  CrcFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Environment:
        Variables:
          LOG_LEVEL: !Ref Level
          OPTIONAL: !If [HasPublic, !Ref Public, !Ref AWS::NoValue]
  AdminFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          WEBHOOK_URL: !If [HasPublic, !Ref Public, !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/webhook"]
          FUNCTION_NAME: !Ref CrcFunction
"""


def provisioner(**options):
    options.setdefault("stack_name", "fn-stack")
    return Provisioner(parse_template(FUNCTIONS), "http://127.0.0.1:1", **options)


def test_function_environment_merges_globals_and_adds_the_local_variables():
    env = provisioner(extension_port=4321, session_token="tok").function_environment("crc")
    assert env["SHARED"] == "fn-stack-shared"
    assert env["LOG_LEVEL"] == "INFO"
    assert "OPTIONAL" not in env
    # The extension port is the local stub's, whatever the template says
    assert env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "4321"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_SESSION_TOKEN"] == "tok"
    assert {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)


def test_the_webhook_url_is_the_local_gateway_and_the_x_api_can_be_redirected():
    env = provisioner(webhook_url="http://127.0.0.1:3000/webhook", x_api_base_url="http://127.0.0.1:8787")
    admin = env.function_environment("admin")
    assert admin["WEBHOOK_URL"] == "http://127.0.0.1:3000/webhook"
    assert admin["X_API_BASE_URL"] == "http://127.0.0.1:8787"
    assert admin["FUNCTION_NAME"] == "fn-stack-CrcFunction"


def test_function_timeouts_come_from_the_function_or_globals():
    assert provisioner().function_timeout("crc") == 3.0
    assert provisioner().function_timeout("admin") == 7.0


def test_a_reference_to_a_resource_that_is_not_made_locally_fails_clearly():
    template = parse_template(FUNCTIONS.replace("FUNCTION_NAME: !Ref CrcFunction", "TOPIC: !GetAtt Api.SomethingElse"))
    with pytest.raises(Unresolvable, match=r"AdminFunction.Properties.Environment.Variables.TOPIC"):
        Provisioner(template, "http://127.0.0.1:1").function_environment("admin")


ROUTED = """
Parameters:
  Mode: {Type: String, Default: "on"}
Conditions:
  On: !Equals [!Ref Mode, "on"]
Resources:
  Api: {Type: AWS::Serverless::HttpApi}
  CrcFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /webhook, Method: get}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  ConnectFunction:
    Type: AWS::Serverless::Function
    Condition: On
    Properties:
      Environment:
        Variables:
          PUBLIC_BASE_URL: https://not-local.example
      Events:
        Start: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /connect, Method: GET}}
        Back: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /connect/callback, Method: GET}}
"""


def routed(template=ROUTED, **options):
    options.setdefault("webhook_url", "http://127.0.0.1:3000/webhook")
    provisioner = Provisioner(parse_template(template), "http://127.0.0.1:1", **options)
    provisioner.provision()
    return provisioner.result


def test_the_gateways_routes_are_the_http_api_events_of_the_functions_the_template_makes():
    result = routed()
    assert result.routes == {
        ("GET", "/webhook"): "crc",
        ("GET", "/connect"): "connect",
        ("GET", "/connect/callback"): "connect",
    }
    assert result.functions["connect"]["PUBLIC_BASE_URL"] == "http://127.0.0.1:3000"  # the local gateway


def test_a_function_whose_condition_is_false_has_no_routes_and_no_environment():
    result = routed(parameters={"Mode": "off"})
    assert result.routes == {("GET", "/webhook"): "crc"} and "connect" not in result.functions


def test_a_route_the_local_gateway_cannot_serve_exactly_is_refused():
    with pytest.raises(ProvisionError, match=r"serves exact paths and methods, got ANY /\{proxy\+\}"):
        routed(ROUTED.replace("Path: /webhook, Method: get", 'Path: "/{proxy+}", Method: ANY'))
