"""localdev.provision's function environments, timeouts and routes, on small inline templates (no AWS involved).
The template evaluator itself: tests/unit/localdev/test_template.py."""

import pytest

from localdev.provision import Provisioner, ProvisionError, Unresolvable
from localdev.template import parse_template

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
    assert result.routes == {("GET", "/webhook"): "crc"}
    assert "connect" not in result.functions


def test_a_route_the_local_gateway_cannot_serve_exactly_is_refused():
    with pytest.raises(ProvisionError, match=r"serves exact paths and methods, got ANY /\{proxy\+\}"):
        routed(ROUTED.replace("Path: /webhook, Method: get", 'Path: "/{proxy+}", Method: ANY'))
