"""What the CLI talks to: the local stack (`make run`) or a deployed CloudFormation stack.

  --stack NAME (or $XWEBHOOK_STACK)  a deployed stack: its outputs from CloudFormation, with the user's
                                     normal AWS configuration (profile, region, credentials; --region).
                                     With $AWS_ENDPOINT_URL set, boto3 sends every call there, so a stack
                                     deployed on an AWS emulator works the same way.
  otherwise                          the running local stack, from its state file (.local/stack.json, or
                                     --state-file / $XWEBHOOK_STATE_FILE).

Either way the commands see the same things: the stack's outputs (WebhookUrl, EventsQueueUrl,
DeadLetterQueueUrl, ..., AdminFunctionName), boto3 clients, the consumer secret (read from Secrets Manager
when a command needs it, never printed), and the admin function (Lambda Invoke: the deployed function, or
the local stack's own invoke endpoint, which runs the real handler in `make run`'s function pool).
"""

import json
import os
import re

from xwebhook.cli import local_state
from xwebhook.cli.errors import CliError, NoTarget, UnknownAction, Unreachable, Unsupported
from xwebhook.cli.local_endpoint import QueueTap, queue_name

STACK_ENV = "XWEBHOOK_STACK"
INVOKE_READ_TIMEOUT = 240  # seconds: the admin function's Timeout (180) and its cold start, with room
UNKNOWN_ACTION = re.compile(r"unknown action")
KNOWN_ACTIONS = re.compile(r"; one of: ([\w, ]+)$")  # the admin function's answer lists the actions it knows


def aws_failure(exc, doing):
    """A CliError for a botocore exception met while `doing` something."""
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

    if isinstance(exc, NoCredentialsError):
        return Unreachable(f"{doing}: no AWS credentials (configure a profile, or set AWS_PROFILE)")
    if isinstance(exc, NoRegionError):
        return Unreachable(f"{doing}: no AWS region (pass --region or set AWS_REGION)")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return Unreachable(f"{doing}: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": "))
    return Unreachable(f"{doing}: {exc.__class__.__name__}: {exc}")


class Target:
    """A stack the commands act on. `kind` is "local" or "aws"."""

    def __init__(self, kind, name, region, outputs, session=None, state=None):
        self.kind = kind
        self.name = name
        self.region = region
        self.outputs = dict(outputs)
        self.state = state
        self._session = session
        self._clients = {}

    @property
    def local(self):
        return self.kind == "local"

    def describe(self):
        where = self.state.get("aws_endpoint") if self.local else f"AWS {self.region}"
        return f"{'local stack' if self.local else 'stack'} {self.name} ({where})"

    def output(self, name):
        value = self.outputs.get(name)
        if not value:
            raise NoTarget(f"{self.describe()} has no output {name}")
        return value

    @property
    def webhook_url(self):
        return self.output("WebhookUrl")

    @property
    def queue_url(self):
        return self.output("EventsQueueUrl")

    @property
    def dlq_url(self):
        return self.output("DeadLetterQueueUrl")

    def client(self, service):
        if service not in self._clients:
            if self.local:
                self._clients[service] = local_state.local_client(self.state, service)
            else:
                from botocore.config import Config

                config = Config(retries={"max_attempts": 3, "mode": "standard"})
                self._clients[service] = self._session.client(service, region_name=self.region, config=config)
        return self._clients[service]

    def tap(self, queue_url):
        """The local endpoint's read-only view of a queue; None on AWS (there, reading means receiving)."""
        if not self.local:
            return None
        return QueueTap(self.state["aws_endpoint"], queue_name(queue_url), self.region)

    def consumer_secret(self):
        """The consumer secret, from the stack's Secrets Manager (the local one, or AWS with your credentials)."""
        from xwebhook.credentials.consumer_secret import consumer_secret_from_value

        secret_id = self.outputs.get("ConsumerSecretArn") or (self.state or {}).get("resources", {}).get(
            "ConsumerSecret"
        )
        if not secret_id:
            raise NoTarget(f"{self.describe()} has no output ConsumerSecretArn")
        try:
            value = self.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        except Exception as exc:
            raise aws_failure(exc, "reading the consumer secret") from None
        try:
            return consumer_secret_from_value(value).decode()
        except Exception as exc:  # empty or malformed: the stack's secret was never set
            raise CliError(f"the consumer secret is not usable: {exc}") from None

    # the admin function

    def _lambda(self):
        """The Lambda client the admin function is invoked with. It waits longer than the function may run
        (a migrate wave takes up to its 180 s Timeout) and never sends an invocation twice: a retry after a
        read timeout would run the action again next to the first."""
        if "lambda" in self._clients:
            return self._clients["lambda"]
        if self.local:
            endpoint = self.state.get("lambda_endpoint")
            if not endpoint:
                raise Unsupported("this local stack has no invoke endpoint for its admin function; restart `make run`")
            client = local_state.local_client(
                self.state, "lambda", endpoint=endpoint, read_timeout=INVOKE_READ_TIMEOUT, retries={"max_attempts": 1}
            )
        else:
            from botocore.config import Config

            config = Config(read_timeout=INVOKE_READ_TIMEOUT, connect_timeout=10, retries={"max_attempts": 1})
            client = self._session.client("lambda", region_name=self.region, config=config)
        self._clients["lambda"] = client
        return client

    def invoke_admin(self, action, fields=None):
        """The admin function's answer to {"action": action, **fields} (a dict with `action` and `ok`).

        UnknownAction when the admin function does not know the action; Unreachable when it cannot be invoked.
        """
        function = self.output("AdminFunctionName")
        payload = json.dumps({**(fields or {}), "action": action}).encode()
        try:
            answer = self._lambda().invoke(FunctionName=function, Payload=payload)
        except Exception as exc:
            raise aws_failure(exc, f"invoking {function}") from None
        body = answer["Payload"].read()
        try:
            result = json.loads(body)
        except ValueError:
            raise CliError(f"{function} answered something that is not JSON: {body[:200]!r}") from None
        if answer.get("FunctionError"):
            message = result.get("errorMessage") if isinstance(result, dict) else result
            raise CliError(f"{function} failed ({answer['FunctionError']}): {message}", result=result)
        if isinstance(result, dict) and not result.get("ok") and UNKNOWN_ACTION.search(str(result.get("error", ""))):
            listed = KNOWN_ACTIONS.search(str(result["error"]))
            known = [name.strip() for name in listed.group(1).split(",")] if listed else []
            raise UnknownAction(f"the admin function has no {action!r} action", action, known, result=result)
        return result


def resolve(stack=None, region=None, state_file=None):
    """The Target for the CLI's options: --stack (or $XWEBHOOK_STACK), else the running local stack."""
    stack = stack or os.environ.get(STACK_ENV)
    if stack:
        return deployed(stack, region)
    try:
        state = local_state.read_state(state_file)
    except local_state.StackNotRunning as exc:
        raise NoTarget(f"{exc}, or pass --stack NAME for a deployed one") from None
    return from_state(state)


def from_state(state):
    outputs = dict(state.get("outputs") or {})
    resources = state.get("resources") or {}
    outputs.setdefault("WebhookUrl", state.get("webhook_url"))
    outputs.setdefault("EventsQueueUrl", resources.get("EventsQueue"))
    outputs.setdefault("DeadLetterQueueUrl", resources.get("EventsDeadLetterQueue"))
    return Target(
        "local", state.get("stack_name", "xwebhook-local"), state.get("region", "us-east-1"), outputs, state=state
    )


def deployed(stack, region=None):
    """A deployed stack's Target: its outputs read with DescribeStacks."""
    import boto3

    session = boto3.Session(region_name=region) if region else boto3.Session()
    region = session.region_name
    target = Target("aws", stack, region, {}, session=session)
    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError) and "does not exist" in str(exc):
            raise NoTarget(
                f"no stack {stack!r} in {region or 'the default region'} (check --stack and --region)"
            ) from None
        raise aws_failure(exc, f"reading stack {stack}") from None
    found = stacks[0]
    target.outputs = {item["OutputKey"]: item["OutputValue"] for item in found.get("Outputs", [])}
    target.status = found.get("StackStatus")
    return target
