"""The template's CloudWatch alarms on the local AWS endpoint, as CloudFormation creates them (names
`<stack>-<LogicalId>`), so that `xwebhook doctor` finds the same alarms locally as on AWS.

moto keeps an alarm (state OK) but never evaluates it; doctor evaluates locally those whose metric the local
stack records (the template's metric filters over crc's and ingest's log lines, localdev/metric_filters.py).
Alarm and OK actions are left out: the alarm topic exists only in AWS.
"""

ALARM_TYPE = "AWS::CloudWatch::Alarm"
# The properties PutMetricAlarm takes as they are, besides the name.
PROPERTIES = (
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Unit",
)
NUMBERS = {"Period": int, "EvaluationPeriods": int, "DatapointsToAlarm": int, "Threshold": float}


def alarm_definitions(template, evaluator, stack_name):
    """[PutMetricAlarm arguments] of every alarm of the template whose condition holds."""
    definitions = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != ALARM_TYPE:
            continue
        condition = resource.get("Condition")
        if condition and not evaluator.condition(condition, f"Resources.{logical_id}.Condition"):
            continue
        raw = {key: value for key, value in (resource.get("Properties") or {}).items() if key in PROPERTIES}
        properties = evaluator.resolve(raw, f"Resources.{logical_id}.Properties")
        arguments = {"AlarmName": f"{stack_name}-{logical_id}"}
        for key, value in properties.items():
            arguments[key] = NUMBERS[key](value) if key in NUMBERS else value
        if "Dimensions" in arguments:
            arguments["Dimensions"] = [{"Name": d["Name"], "Value": str(d["Value"])} for d in arguments["Dimensions"]]
        definitions.append(arguments)
    return definitions


def create_alarms(template, evaluator, cloudwatch, stack_name):
    """Put each alarm of the template on the local endpoint; their names."""
    names = []
    for arguments in alarm_definitions(template, evaluator, stack_name):
        cloudwatch.put_metric_alarm(**arguments)
        names.append(arguments["AlarmName"])
    return names
