"""Pytest fixtures and helpers over the local AWS endpoint, for integration and end-to-end tests.

Import the fixtures a test directory needs into its conftest.py:

    from localdev.testing import extension_stub, local_stack, moto_server, stack_factory, template  # noqa: F401

  moto_server      (session)  a running MotoServer (moto in its own process); .endpoint, .port
  extension_stub   (session)  an ExtensionStub on that endpoint, token SESSION_TOKEN, cache TTL 0
                              (so a test that deletes or changes a secret sees it at once)
  template         (session)  infra/template.yaml as a dict ($XWEBHOOK_TEST_TEMPLATE overrides the path)
  stack_factory    (function) make(**options) -> LocalStack: the template provisioned under a fresh stack
                              name (options go to localdev.provision.Provisioner: parameters=,
                              consumer_secret=, credentials=, webhook_url=, x_api_base_url=); deleted
                              after the test
  local_stack      (function) stack_factory() with the dev consumer secret "dev-consumer-secret"
  own_stack_factory (function) make(**options) like stack_factory, on a moto server and extension stub of its
                              own (CloudWatch metrics cannot be deleted: tests that read them need this)

LocalStack gives the function environments, loads the real handlers with them (`load`), and reads
queues (`drain`, `peek_count`). `stack_with_x(stack_factory, ...)` points X's emulator and a stack
at each other behind the local gateway. `run_local_stack(directory)` starts `python -m localdev.run` as
`make run` does, on free ports, for end-to-end tests.
"""

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from localdev import stack as stack_state
from localdev.moto_server import wait_until

REPO = Path(__file__).resolve().parent.parent
FIXTURE_TEMPLATE = REPO / "tests" / "integration" / "fixtures" / "template.yaml"
SESSION_TOKEN = "test-session-token"  # noqa: S105 - the extension stub's token in tests
DEV_SECRET = "dev-consumer-secret"  # noqa: S105 - the documented dev secret
_names = itertools.count(1)


def template_path():
    """The template the tests provision: $XWEBHOOK_TEST_TEMPLATE, else infra/template.yaml."""
    return Path(os.environ.get("XWEBHOOK_TEST_TEMPLATE") or REPO / "infra" / "template.yaml")


def invoke(module, event, request_id="test-request"):
    """Call a loaded function's handler as Lambda would: with the function's environment set."""
    from localdev.gateway import LambdaContext
    from localdev.handlers import environment

    with environment(getattr(module, "LAMBDA_ENVIRONMENT", {})):
        return module.handler(event, LambdaContext(module.__name__, request_id, 30))


class LocalStack:
    """One provisioned copy of the template on the test moto server."""

    def __init__(self, provisioned, moto, extension, consumer_secret):
        self.provisioned = provisioned
        self.moto = moto
        self.extension = extension
        self.consumer_secret = consumer_secret
        self._clients = {}

    @property
    def endpoint(self):
        return self.provisioned.endpoint

    @property
    def resources(self):
        return self.provisioned.resources

    @property
    def queue_url(self):
        return self.resources["EventsQueue"]

    @property
    def dlq_url(self):
        return self.resources["EventsDeadLetterQueue"]

    @property
    def table(self):
        return self.resources.get("DedupTable")

    @property
    def secret_arn(self):
        return self.resources["ConsumerSecret"]

    def env(self, function, **overrides):
        """The function's environment (as provisioned) with `overrides` applied."""
        return self.provisioned.env(function, **overrides)

    def load(self, function, **overrides):
        """A fresh instance of the real function, its module imported with this stack's environment."""
        from localdev.handlers import load_function

        return load_function(function, self.env(function, **overrides), f"xwebhook_test_{function}_{next(_names)}")

    def client(self, service):
        if service not in self._clients:
            state = {"aws_endpoint": self.endpoint, "region": self.provisioned.region}
            self._clients[service] = stack_state.aws_client(state, service)
        return self._clients[service]

    def drain(self, queue_url=None, limit=10000):
        """Receive and delete every message on the queue (as a consumer would); returns them in order."""
        return drain_queue(self.client("sqs"), queue_url or self.queue_url, limit)

    def peek_count(self, queue_url=None):
        """Messages on the queue, visible or in flight."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=queue_url or self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def set_consumer_secret(self, value):
        self.client("secretsmanager").put_secret_value(SecretId=self.secret_arn, SecretString=value)


def drain_queue(sqs, queue_url, limit=10000):
    """Receive and delete messages until the queue answers none; returns them in the order received."""
    messages = []
    while len(messages) < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])
        if not batch:
            break
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return messages


def message_bodies(messages):
    return [json.loads(message["Body"]) for message in messages]


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_server():
    from localdev.moto_server import MotoServer

    with MotoServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def extension_stub(moto_server):
    from localdev.extension_stub import ExtensionStub

    with ExtensionStub(moto_server.endpoint, SESSION_TOKEN, secrets_ttl=0, ssm_ttl=0) as stub:
        yield stub


@pytest.fixture(scope="session")
def template():
    from localdev.template import load_template

    return load_template(template_path())


def provision_stack(template, moto, extension, **options):
    """The template provisioned on `moto` for functions reading secrets through `extension`, as a LocalStack;
    options go to localdev.provision.Provisioner (the dev consumer secret and a fresh stack name by default)."""
    from localdev.provision import Provisioner

    options.setdefault("consumer_secret", DEV_SECRET)
    options.setdefault("stack_name", f"t{os.getpid()}-{next(_names)}")
    options.setdefault("extension_port", extension.port)
    options.setdefault("session_token", SESSION_TOKEN)
    provisioned = Provisioner(template, moto.endpoint, **options).provision()
    return LocalStack(provisioned, moto, extension, options["consumer_secret"])


@pytest.fixture
def stack_factory(moto_server, extension_stub, template):
    from localdev.provision import teardown

    made = []

    def make(template_document=None, **options):
        stack = provision_stack(template_document or template, moto_server, extension_stub, **options)
        made.append(stack.provisioned)
        return stack

    yield make
    for provisioned in made:
        teardown(provisioned)


@pytest.fixture
def local_stack(stack_factory):
    return stack_factory()


@pytest.fixture
def own_stack_factory(template):
    """stack_factory on a moto server of its own: CloudWatch metrics are per account and region, and cannot be
    deleted, so a test that reads XWebhook/DeliveriesFailed must not share moto with tests that write it."""
    from localdev.extension_stub import ExtensionStub
    from localdev.moto_server import MotoServer

    with MotoServer(port=0) as moto, ExtensionStub(moto.endpoint, SESSION_TOKEN, secrets_ttl=0, ssm_ttl=0) as stub:
        yield lambda **options: provision_stack(template, moto, stub, **options)


# --- `make run` as a process -------------------------------------------------------------------------


class RunningStack:
    """A `python -m localdev.run` process and the state it wrote."""

    def __init__(self, process, state_file, output_path):
        self.process = process
        self.state_file = state_file
        self.output_path = output_path
        self.state = None

    def output(self):
        return Path(self.output_path).read_text(errors="replace")

    def client(self, service):
        return stack_state.aws_client(self.state, service)

    def drain(self, queue_url=None, limit=10000):
        return drain_queue(self.client("sqs"), queue_url or self.state["resources"]["EventsQueue"], limit)

    def stop(self, timeout=20):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def _child_environment(extra):
    # Nothing from the developer's shell that would change what the stack does (their X_* or AWS_* settings).
    env = {key: value for key, value in os.environ.items() if not key.startswith(("X_", "AWS_"))}
    for key in (
        "PORT",
        "EXTENSION_PORT",
        "EMULATOR_PORT",
        "CONSOLE_PORT",
        "WEBHOOK_URL",
        "STACK_NAME",
        "GATEWAY_INSTANCES",
    ):
        env.pop(key, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update({"PORT": "0", "AWS_PORT": "0", "EXTENSION_PORT": "0", "EMULATOR_PORT": "0", "CONSOLE_PORT": "0"})
    env.update({key: str(value) for key, value in (extra or {}).items()})
    return env


@contextlib.contextmanager
def run_local_stack(directory, env=None, args=(), startup_timeout=90.0, module="localdev.run", ready_text=None):
    """Start `python -m localdev.run` (or `module`: localdev.dev is `make dev`) on free ports with its state
    file in `directory`; stop it after. With `ready_text`, also wait for the output to hold it.

    Yields a RunningStack whose `state` is the parsed state file (written once everything is up).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state_file = directory / "stack.json"
    output_path = directory / "run-output.txt"
    with open(output_path, "wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--state-file",
                str(state_file),
                "--exit-with-parent",
                *args,
            ],
            cwd=REPO,
            env=_child_environment(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = RunningStack(process, state_file, output_path)
    try:

        def started():
            if process.poll() is not None:
                raise RuntimeError(f"`{module}` exited with {process.returncode}:\n{running.output()}")
            return state_file.exists() and (ready_text is None or ready_text in running.output())

        wait_until(started, startup_timeout, interval=0.1, what="the local stack writing its state file")
        running.state = stack_state.read_state(state_file)
        yield running
    finally:
        running.stop()


def x_emulator_for(credentials, users, **options):
    """X's emulator (not started) for a stack made with `credentials`: it knows their app keys and the
    stack's consumer secret (DEV_SECRET), and `users` ({user id: (access token, token secret)})."""
    from localdev.x_emulator import XEmulator

    return XEmulator(
        consumer_key=credentials["consumer_key"],
        consumer_secret=DEV_SECRET,
        bearer_token=credentials["bearer_token"],
        users=users,
        **{"crc_timeout": 5.0, **options},
    )


@contextlib.contextmanager
def stack_with_x(stack_factory, credentials, users, function_log, parameters=None, **emulator_options):
    """X's emulator and a freshly provisioned stack pointed at each other: the emulator knows the stack's
    consumer secret and the credentials' keys, the stack's X_API_BASE_URL is the emulator, and the real
    crc and ingest handlers answer behind a local gateway on the webhook URL the stack registers.
    Yields (stack, emulator, the gateway's request log as a StringIO); stops both after."""
    import io

    from localdev.gateway import Gateway
    from localdev.moto_server import free_port

    port = free_port()
    emulator = x_emulator_for(credentials, users, **emulator_options).start()
    gateway = None
    try:
        stack = stack_factory(
            parameters=parameters or {},
            credentials=credentials,
            webhook_url=f"http://127.0.0.1:{port}/webhook",
            x_api_base_url=emulator.base_url,
        )
        log = io.StringIO()
        gateway = Gateway(
            {"crc": stack.env("crc"), "ingest": stack.env("ingest")},
            port=port,
            instances=2,
            out=log,
            function_log=str(function_log),
        ).start()
        yield stack, emulator, log
    finally:
        if gateway is not None:
            gateway.stop()
        emulator.stop()


def wait_for_messages(stack, count, queue_url=None, timeout=10.0):
    """Drain messages until `count` arrived (or `timeout`); returns all received."""
    received = []

    def enough():
        received.extend(stack.drain(queue_url))
        return len(received) >= count

    with contextlib.suppress(TimeoutError):
        wait_until(enough, timeout, interval=0.05, what=f"{count} messages")
    return received
