"""localdev.template: the template read by cfn-lint's parser and evaluated, on small inline templates and on
infra/template.yaml itself (no AWS involved)."""

import datetime

import pytest

from localdev.template import (
    NO_VALUE,
    TemplateError,
    TemplateEvaluator,
    Unresolvable,
    load_template,
    parse_template,
)

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 300}
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
# What Ref gives for TEMPLATE's parameters and resource and for the pseudo parameters.
REFS = {
    "Stage": "dev",
    "Size": "300",
    "Queue": "https://queue-url",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "my-stack",
    "AWS::Partition": "aws",
}
# Parameter sets that between them take every branch of infra/template.yaml's conditions.
PARAMETER_SETS = [
    {},
    {"QueueType": "standard", "ReplayDedup": "disabled", "ConnectMode": "off", "AutoReplay": "disabled"},
    {
        "DeployExampleConsumer": "true",
        "PublicWebhookUrl": "https://hooks.example.com/webhook",
        "PublicConnectBaseUrl": "https://hooks.example.com",
        "DisableExecuteApiEndpoint": "true",
        "AlarmEmail": "ops@example.com",
        "EnsureIntervalMinutes": "15",
        "ParametersSecretsExtensionLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:extension:1",
        "EnableDedupPointInTimeRecovery": "true",
        "IngestReservedConcurrency": "7",
    },
]


def evaluator(parameters=None, template=TEMPLATE):
    refs = {"Queue": "https://queue-url"}
    atts = {("Queue", "Arn"): "arn:aws:sqs:us-east-1:123456789012:queue"}

    def ref(logical_id, path):
        if logical_id not in refs:
            raise Unresolvable(f"{path}: no {logical_id}")
        return refs[logical_id]

    def get_att(logical_id, attribute, path):
        return atts[(logical_id, attribute)]

    return TemplateEvaluator(parse_template(template), parameters, "my-stack", "us-east-1", ref=ref, get_att=get_att)


def intrinsics_in(value):
    """The names of the intrinsic functions (Ref, Fn::...) used anywhere in `value`."""
    if isinstance(value, list):
        return set().union(*(intrinsics_in(item) for item in value))
    if not isinstance(value, dict):
        return set()
    used = {key for key in value if key == "Ref" or key.startswith("Fn::")}
    return used.union(*(intrinsics_in(item) for item in value.values()))


def kinds_in(value):
    """The Python types of every key and value in `value`."""
    if isinstance(value, dict):
        return {dict}.union(*(kinds_in(key) | kinds_in(item) for key, item in value.items()))
    if isinstance(value, list):
        return {list}.union(*(kinds_in(item) for item in value))
    return {type(value)}


# --- reading -------------------------------------------------------------------------------------------


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


def test_a_short_form_get_att_splits_at_the_first_dot_only():
    template = parse_template("Resources:\n  A: {Type: T, Properties: {X: !GetAtt B.Endpoint.Address}}")
    assert template["Resources"]["A"]["Properties"]["X"] == {"Fn::GetAtt": ["B", "Endpoint.Address"]}


def test_dates_stay_text():
    template = parse_template("AWSTemplateFormatVersion: 2010-09-09\nResources: {A: {Type: T}}")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


def test_the_template_is_plain_python_values_not_the_parsers_nodes():
    kinds = kinds_in(load_template())
    assert kinds <= {dict, list, str, int, float, bool, type(None)}
    assert datetime.date not in kinds


def test_a_key_written_twice_is_refused():
    with pytest.raises(TemplateError, match="Duplicate found 'A'"):
        parse_template("Resources:\n  A: {Type: T}\n  A: {Type: U}\n")


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(TemplateError, match="the template is not valid YAML"):
        parse_template("Resources: [unclosed")


@pytest.mark.parametrize("text", ["Outputs: {}", "- a list"])
def test_a_document_without_resources_is_not_a_template(text):
    with pytest.raises(TemplateError, match="the template has no Resources section"):
        parse_template(text)


def test_a_missing_template_file_is_named(tmp_path):
    with pytest.raises(TemplateError, match=f"template {tmp_path / 'nowhere.yaml'} not found"):
        load_template(tmp_path / "nowhere.yaml")


# --- evaluating ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), REFS.items())
def test_ref_gives_parameters_pseudo_parameters_and_resources(name, value):
    assert evaluator().resolve({"Ref": name}) == value


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:queue"),
        ({"Fn::GetAtt": "Queue.Arn"}, "arn:aws:sqs:us-east-1:123456789012:queue"),
        ({"Fn::Sub": "${AWS::StackName}-x.${AWS::URLSuffix}"}, "my-stack-x.amazonaws.com"),
        (
            {"Fn::Sub": "${Queue}|${Queue.Arn}|${!Literal}"},
            "https://queue-url|arn:aws:sqs:us-east-1:123456789012:queue|${Literal}",
        ),
        ({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "AWS::Region"}}]}, "us-east-1-dev"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}, "a-dev-3"),
        ({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Zone"]}, "east"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["Both", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Either", "yes", "no"]}, "yes"),
    ],
)
def test_intrinsics_evaluate(expression, value):
    assert evaluator().resolve(expression) == value


def test_parameters_can_be_overridden_and_change_conditions():
    prod = evaluator({"Stage": "prod"})
    assert prod.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert prod.condition("IsDev") is False


def test_a_rule_assertion_is_evaluated_as_a_condition():
    assert evaluator().truth({"Fn::Not": [{"Fn::Equals": [{"Ref": "Empty"}, ""]}]}) is False
    assert evaluator().truth({"Condition": "IsDev"}) is True


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
        ({"Fn::Select": [0, ["a"]]}, "Fn::Select cannot be evaluated locally"),  # the template uses none of these
        ({"Fn::Base64": "hi"}, "Fn::Base64 cannot be evaluated locally"),
        ({"Fn::GetAZs": ""}, "Fn::GetAZs cannot be evaluated locally"),
        ({"Ref": "AWS::StackId"}, "Ref AWS::StackId: no parameter, pseudo parameter or resource"),
        ({"Ref": "Nowhere"}, "Ref Nowhere: no parameter, pseudo parameter or resource"),
        ({"Ref": "Thing"}, "no Thing"),
        ({"Fn::GetAtt": ["Nowhere", "Arn"]}, "Fn::GetAtt Nowhere.Arn: no such resource"),
        ({"Fn::If": ["NoSuchCondition", 1, 2]}, "no condition named 'NoSuchCondition'"),
        ({"Fn::If": ["IsProd", 1]}, "Fn::If takes"),
        ({"Fn::FindInMap": ["Regions", "eu-west-1", "Zone"]}, "not in the template's Mappings"),
        ({"Fn::Join": ["-", "not a list"]}, "Fn::Join needs a list"),
        ({"Fn::Sub": ["${A}", "not a mapping"]}, "Fn::Sub takes a string or"),
        ({"Fn::And": [{"Condition": "IsDev"}]}, "Fn::And takes 2 to 10 conditions"),
    ],
)
def test_what_cannot_be_evaluated_fails_naming_the_place(expression, message):
    with pytest.raises(Unresolvable, match=message) as failure:
        evaluator().resolve({"Outer": expression}, "Resources.X.Properties")
    assert "Resources.X.Properties.Outer" in str(failure.value)


def test_references_to_resources_fail_when_no_one_gives_their_values():
    bare = TemplateEvaluator(parse_template(TEMPLATE))
    with pytest.raises(Unresolvable, match="Ref Queue: resources are not available here"):
        bare.resolve({"Ref": "Queue"})
    with pytest.raises(Unresolvable, match=r"Fn::GetAtt Queue.Arn: resources are not available here"):
        bare.resolve({"Fn::GetAtt": ["Queue", "Arn"]})


@pytest.mark.parametrize(
    ("parameters", "template", "message"),
    [
        ({"Nope": "x"}, TEMPLATE, "unknown template parameter"),
        ({"Stage": "qa"}, TEMPLATE, "not one of"),
        (None, "Parameters: {P: {Type: String}}\nResources: {A: {Type: T}}", "P has no Default"),
        (None, "Parameters: {P: {Type: CommaDelimitedList, Default: a}}\nResources: {A: {Type: T}}", "Type Comma"),
    ],
)
def test_bad_parameters_are_refused(parameters, template, message):
    with pytest.raises(TemplateError, match=message):
        evaluator(parameters, template)


def test_a_condition_that_refers_to_itself_is_refused():
    template = "Conditions:\n  A: !Not [{Condition: A}]\nResources: {X: {Type: T}}"
    with pytest.raises(TemplateError, match="refers to itself"):
        evaluator(template=template).condition("A")


# --- infra/template.yaml -------------------------------------------------------------------------------


def test_the_evaluator_knows_exactly_the_intrinsics_the_template_uses():
    assert intrinsics_in(load_template()) == set(TemplateEvaluator.INTRINSICS)


@pytest.mark.parametrize("parameters", PARAMETER_SETS, ids=["defaults", "lean", "custom-domain"])
def test_every_section_of_the_template_evaluates(parameters):
    template = load_template()
    stand_ins = TemplateEvaluator(
        template,
        parameters,
        ref=lambda logical_id, path: f"<{logical_id}>",
        get_att=lambda logical_id, attribute, path: f"<{logical_id}.{attribute}>",
    )
    conditions = {name: stand_ins.condition(name) for name in template["Conditions"]}
    for rule in template["Rules"].values():
        stand_ins.truth(rule["RuleCondition"], "Rules")
    sections = [template["Globals"], template["Resources"], template["Outputs"]]
    resolved = [stand_ins.resolve(section) for section in sections]
    assert set(conditions.values()) == {True, False}
    assert intrinsics_in(resolved) == set()
