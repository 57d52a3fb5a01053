"""`make run`: the whole receiver on this machine, no AWS account and no Docker.

  1. an AWS endpoint: moto's server, in its own process, on 127.0.0.1:$AWS_PORT (4566);
  2. the template's queues, secrets and table created there (localdev.provision);
  3. a stand-in for the Parameters and Secrets Lambda Extension on 127.0.0.1:$EXTENSION_PORT (2773);
  4. the real handlers behind a local HTTP API on 127.0.0.1:$PORT (3000), on the routes of the template's
     HttpApi events: /webhook (crc, ingest), /connect and /connect/callback (connect); their log
     lines go through the template's metric filters into the local CloudWatch (localdev.metric_filters);
  5. with X_EMULATOR=1, X's API emulated on 127.0.0.1:$EMULATOR_PORT (8787) for `make admin`, with X's
     sign-in pages (an account picker, Authorize or Cancel) for /connect in a browser;
  6. the local console on 127.0.0.1:$CONSOLE_PORT (3001): a page with deliveries, live events, webhook health,
     queues, accounts and send buttons, and the Lambda Invoke API for the admin function;
then .local/stack.json for `xwebhook`, `make send`, `make queue` and `make admin`, and one line per
request until Ctrl-C. The template's alarms are put on the AWS endpoint too (localdev.alarms, for
`xwebhook doctor`), and .local/last-run.json keeps what the stack holds, so that the next start says what
a restart reset (localdev.last_run). `make dev` (localdev.dev) is this with X's emulator, registered.

Settings (environment): X_CONSUMER_SECRET (else a dev secret is generated and printed),
X_CONSUMER_KEY, X_BEARER_TOKEN, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET, X_CLIENT_ID, X_CLIENT_SECRET (the
credentials secret; the last two are the app's OAuth 2.0 client), X_API_BASE_URL, X_WEB_BASE_URL,
WEBHOOK_URL (default: this gateway's URL), PORT, AWS_PORT, EXTENSION_PORT, X_EMULATOR, EMULATOR_PORT,
CONSOLE_PORT, X_USER_ID (the emulator's app owner), GATEWAY_INSTANCES (4),
STACK_NAME (xwebhook-local). A port of 0 means any free port.
"""

import argparse
import contextlib
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from localdev import stack
from localdev.moto_server import PortInUse, ServerFailed, check_port_free, free_port

DEFAULT_OWNER_ID = "2244994945"
TRUE_WORDS = ("1", "true", "yes", "on")


class RunError(RuntimeError):
    """A problem the user can fix (a port taken, a bad setting); printed without a traceback."""


def _port(env, name, default):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise RunError(f"{name} must be a port number, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise RunError(f"{name} must be between 0 and 65535, got {port}")
    return port


def parse_args(argv=None, prog="make run", description=None):
    parser = argparse.ArgumentParser(prog=prog, description=description or __doc__.split("\n\n")[0])
    parser.add_argument("--state-file", help="where to write the stack state (default .local/stack.json)")
    parser.add_argument("--template", help="the SAM template (default infra/template.yaml)")
    parser.add_argument("--stack-name", default=os.environ.get("STACK_NAME") or "xwebhook-local")
    parser.add_argument(
        "--instances",
        type=int,
        default=int(os.environ.get("GATEWAY_INSTANCES") or 4),
        help="most instances per function, each serving one request at a time (default 4)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter other than its default, e.g. --parameter ReplayDedup=disabled (repeatable)",
    )
    parser.add_argument(
        "--base64-bodies", action="store_true", help="hand every request body to the functions base64-encoded"
    )
    parser.add_argument(
        "--function-logs", action="store_true", help="print the functions' own log lines here instead of a file"
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the process that started this one is gone (tests)"
    )
    return parser.parse_args(argv)


def template_parameters(pairs):
    """{"Name": "value"} from ["Name=value", ...]; unknown names are refused by the provisioner."""
    parameters = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise RunError(f"--parameter takes NAME=VALUE, got {pair!r}")
        parameters[name.strip()] = value
    return parameters


class Settings:
    """What `make run` reads from the environment, checked before anything starts."""

    def __init__(self, env):
        self.gateway_port = _port(env, "PORT", 3000)
        self.aws_port = _port(env, "AWS_PORT", 4566)
        self.extension_port = _port(env, "EXTENSION_PORT", 2773)
        self.emulator = env.get("X_EMULATOR", "").strip().lower() in TRUE_WORDS
        self.emulator_port = _port(env, "EMULATOR_PORT", 8787)
        self.console_port = _port(env, "CONSOLE_PORT", 3001)
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.consumer_secret = env.get("X_CONSUMER_SECRET", "").strip()
        self.consumer_secret_source = "X_CONSUMER_SECRET" if self.consumer_secret else "generated"
        if not self.consumer_secret:
            from localdev.provision import generate_consumer_secret

            self.consumer_secret = generate_consumer_secret()
        self.credentials = {key: env.get(name, "").strip() for key, name in CREDENTIALS.items()}
        self.owner_id = env.get("X_USER_ID", "").strip() or DEFAULT_OWNER_ID
        self.x_api_base_url = env.get("X_API_BASE_URL", "").strip() or None
        self.x_web_base_url = env.get("X_WEB_BASE_URL", "").strip() or None
        self.webhook_url = env.get("WEBHOOK_URL", "").strip() or None

    def check_ports(self):
        for port, what, variable in (
            (self.gateway_port, "local gateway", "PORT"),
            (self.aws_port, "AWS endpoint", "AWS_PORT"),
            (self.extension_port, "secrets extension", "EXTENSION_PORT"),
            (self.console_port, "local console", "CONSOLE_PORT"),
            *([(self.emulator_port, "X API emulator", "EMULATOR_PORT")] if self.emulator else []),
        ):
            if port:
                check_port_free(port, what, variable)
        # Ports of 0 become free ports now: the webhook URL and the emulator URL go into the
        # functions' environment before the servers start.
        self.gateway_port = self.gateway_port or free_port()
        self.emulator_port = self.emulator_port or free_port()


CREDENTIALS = {
    "consumer_key": "X_CONSUMER_KEY",
    "bearer_token": "X_BEARER_TOKEN",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
    "oauth2_client_id": "X_CLIENT_ID",
    "oauth2_client_secret": "X_CLIENT_SECRET",
}


def _dev_value(prefix):
    return f"{prefix}-{secrets.token_hex(12)}"


def start_emulator(settings, callback_url):
    """The X API emulator with the same app credentials as the local stack (dev values where unset); its
    OAuth client takes exactly our callback URL, as X takes only the callbacks an app registered."""
    from localdev.x_emulator import XEmulator  # helper package, imported only when asked for

    credentials = settings.credentials
    credentials["consumer_key"] = credentials["consumer_key"] or _dev_value("dev-consumer-key")
    credentials["bearer_token"] = credentials["bearer_token"] or _dev_value("dev-bearer")
    credentials["access_token"] = credentials["access_token"] or f"{settings.owner_id}-{_dev_value('dev')}"
    credentials["access_token_secret"] = credentials["access_token_secret"] or _dev_value("dev-token-secret")
    credentials["oauth2_client_id"] = credentials["oauth2_client_id"] or _dev_value("dev-client-id")
    credentials["oauth2_client_secret"] = credentials["oauth2_client_secret"] or _dev_value("dev-client-secret")
    emulator = XEmulator(
        consumer_key=credentials["consumer_key"],
        consumer_secret=settings.consumer_secret,
        bearer_token=credentials["bearer_token"],
        users={settings.owner_id: (credentials["access_token"], credentials["access_token_secret"])},
        port=settings.emulator_port,
        subscription_limit=50,
        oauth_options={
            "client_id": credentials["oauth2_client_id"],
            "client_secret": credentials["oauth2_client_secret"],
            "callbacks": {callback_url},
        },
    )
    emulator.start()
    credentials["users"] = {
        settings.owner_id: {
            "access_token": credentials["access_token"],
            "access_token_secret": credentials["access_token_secret"],
        }
    }
    return emulator


def _relative(path):
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def banner(state, settings, provisioned, function_log, state_file):
    resources = state["resources"]
    endpoint = state["aws_endpoint"]
    if settings.consumer_secret_source == "X_CONSUMER_SECRET":  # noqa: S105 - names where it came from
        secret_line = "from X_CONSUMER_SECRET (not shown)"  # noqa: S105
    else:
        secret_line = f"generated for this run: {settings.consumer_secret}  (set X_CONSUMER_SECRET to choose it)"
    x_api = state["x_api_base_url"] or "the template's default"
    if state.get("emulator_url"):
        x_api = f"{state['emulator_url']}  (X API emulator; try `make admin ACTION=register`)"
    outputs = state.get("outputs") or {}
    connect = []
    if outputs.get("ConnectCallbackUrl"):
        connect = [
            f"  connect          {outputs['ConnectUrl']}   (`make admin ACTION=invite` prints an invite URL to open)",
            f"  callback         {outputs['ConnectCallbackUrl']}   (register exactly this in the X app)",
        ]
    lines = [
        "xwebhook local stack is running.",
        f"  console          {state['console_url']}/   (deliveries, events, webhook health; send, resend)",
        f"  webhook          {state['webhook_url']}   (GET ?crc_token=... answers the CRC, POST takes deliveries)",
        *connect,
        f"  AWS endpoint     {endpoint}   (moto; any SQS client works with AWS_ENDPOINT_URL={endpoint})",
        f"  events queue     {resources.get('EventsQueue', '-')}",
        f"  dead letters     {resources.get('EventsDeadLetterQueue', '-')}",
    ]
    if resources.get("DedupTable"):
        lines.append(f"  dedup table      {resources['DedupTable']}")
    lines += [
        f"  consumer secret  {secret_line}",
        f"  X API            {x_api}",
        f"  secrets ext.     127.0.0.1:{state['extension_port']}",
        f"  function logs    {function_log or 'printed here'}",
        f"  state            {_relative(state_file)}",
        "Try, in another terminal:",
        "  .venv/bin/xwebhook send post.create    # a signed delivery (xwebhook send --list: every kind)",
        "  .venv/bin/xwebhook tail --follow       # events as they arrive, taken from no consumer",
        "  .venv/bin/xwebhook status              # webhook, queues, dead letters",
        "  make queue                             # print and consume what is on the events queue",
        f"  curl '{state['webhook_url']}?crc_token=test'",
        f"  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region {settings.region} "
        f"--endpoint-url {endpoint} sqs receive-message --visibility-timeout 0 "
        f"--queue-url {resources.get('EventsQueue', '')}",
        "Ctrl-C stops everything. One line per request follows.",
    ]
    return "\n".join(lines) + "\n"


def start_console(settings, stack_name, provisioned, gateway, function_log, cleanup, endpoint, webhook_url):
    """The admin function's pool, the Lambda Invoke endpoint for it, and the console page, on CONSOLE_PORT."""
    from localdev.console.server import Console, ConsoleServer
    from localdev.gateway import FunctionPool
    from localdev.lambda_endpoint import LambdaEndpoint
    from localdev.provision import FUNCTIONS

    pools = {}
    if "admin" in provisioned.functions:
        pools["admin"] = FunctionPool(
            "admin",
            provisioned.functions["admin"],
            size=2,
            timeout_seconds=provisioned.timeouts.get("admin", 60.0),
            log_path=str(function_log) if function_log else None,
        )
        cleanup.callback(pools["admin"].close)
    lambda_endpoint = LambdaEndpoint(pools, stack_name, FUNCTIONS)
    state = {
        "aws_endpoint": endpoint,
        "region": settings.region,
        "resources": provisioned.resources,
        "webhook_url": webhook_url,
    }

    def invoke_admin(event):
        if "admin" not in pools:
            return {"action": event.get("action"), "ok": False, "error": "the template has no admin function"}
        return pools["admin"].invoke(event)

    def secret():
        from localdev import stack

        return stack.consumer_secret(state)

    console = Console(state, gateway, invoke_admin, secret)
    server = ConsoleServer(console, port=settings.console_port, lambda_endpoint=lambda_endpoint)
    cleanup.callback(server.stop)
    server.start()
    return server


def create_alarms(template, provisioner, endpoint, region, stack_name, console):
    """The template's alarms on the local endpoint (localdev.alarms: moto keeps them, `xwebhook doctor`
    evaluates them); their names. One that cannot be evaluated locally is said, not fatal."""
    from localdev.alarms import create_alarms as put_alarms
    from localdev.template import TemplateError

    cloudwatch = stack.aws_client({"aws_endpoint": endpoint, "region": region}, "cloudwatch")
    try:
        return put_alarms(template, provisioner.evaluator, cloudwatch, stack_name)
    except TemplateError as exc:
        console.write(f"note: the template's alarms are not created locally: {exc}\n")
        return []


def start_metric_filters(template, provisioner, endpoint, region):
    """The template's metric filters over the functions' log lines, into the local CloudWatch (moto), so the
    alarms' metrics and the admin function's recovery (DeliveriesFailed) work against `make run`."""
    from localdev.metric_filters import MetricFilters, MetricFilterSink

    filters = MetricFilters.from_template(template, resolve=provisioner.evaluator.resolve)
    cloudwatch = stack.aws_client({"aws_endpoint": endpoint, "region": region}, "cloudwatch")
    return MetricFilterSink(filters, cloudwatch).start()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _watch_parent(stop_event):
    parent = os.getppid()

    def watch():
        while not stop_event.wait(0.5):
            if os.getppid() != parent:
                stop_event.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run(args, env=os.environ, console=sys.stdout, ready=None, stop_event=None, dev=None):
    """Start everything, write the state file, serve until interrupted (or `stop_event` is set).

    `dev` (localdev.dev, `make dev`): called with (state, settings, what the last run held) once everything
    serves, instead of printing the banner; it registers the webhook and prints what is ready."""
    from localdev import last_run
    from localdev.extension_stub import ExtensionStub
    from localdev.gateway import Gateway
    from localdev.moto_server import MotoServer
    from localdev.provision import Provisioner, load_template

    settings = Settings(env)
    state_file = stack.state_path(args.state_file)
    with contextlib.suppress(stack.StackNotRunning):
        running = stack.read_state(state_file)
        raise RunError(f"a local stack is already running (pid {running.get('pid')}, {_relative(state_file)})")
    last_run_file = last_run.path_for(state_file)
    previous = last_run.read(last_run_file)
    template = load_template(args.template)
    settings.check_ports()
    log_dir = state_file.parent
    log_dir.mkdir(parents=True, exist_ok=True)
    function_log = None if args.function_logs else log_dir / "functions.log"
    token = "local-" + secrets.token_hex(16)

    with contextlib.ExitStack() as cleanup:
        console.write(f"starting the AWS endpoint (moto) on 127.0.0.1:{settings.aws_port or 'any port'} ...\n")
        console.flush()
        # Its own session: Ctrl-C reaches this process, whose clean-up records what the stack held (last_run)
        # and then stops moto.
        moto = MotoServer(port=settings.aws_port, log_path=log_dir / "moto.log", own_session=True)
        cleanup.callback(moto.stop)
        moto.start()

        extension = ExtensionStub(moto.endpoint, token, region=settings.region, port=settings.extension_port)
        cleanup.callback(extension.stop)
        extension.start()

        gateway_url = f"http://127.0.0.1:{settings.gateway_port}"
        webhook_url = settings.webhook_url or gateway_url + "/webhook"
        emulator = None
        if settings.emulator:
            emulator = start_emulator(settings, gateway_url + "/connect/callback")
            cleanup.callback(emulator.stop)
        x_api_base_url = emulator.base_url if emulator else settings.x_api_base_url
        x_web_base_url = emulator.base_url if emulator else settings.x_web_base_url
        provisioner = Provisioner(
            template,
            moto.endpoint,
            region=settings.region,
            stack_name=args.stack_name,
            parameters=template_parameters(args.parameter),
            consumer_secret=settings.consumer_secret,
            credentials=settings.credentials,
            webhook_url=webhook_url,
            x_api_base_url=x_api_base_url,
            x_web_base_url=x_web_base_url,
            public_base_url=gateway_url,
            extension_port=extension.port,
            session_token=token,
        )
        provisioned = provisioner.provision()
        # The extension layer reads its cache settings from the function's environment.
        ttl = provisioned.extension_settings.get("SECRETS_MANAGER_TTL")
        if ttl:
            extension.secrets.ttl = float(ttl)

        metric_filters = start_metric_filters(template, provisioner, moto.endpoint, settings.region)
        cleanup.callback(metric_filters.stop)
        alarms = create_alarms(template, provisioner, moto.endpoint, settings.region, args.stack_name, console)
        served = set(provisioned.routes.values())
        # The metrics the local stack records: those of the filters on the gateway's functions' log lines.
        local_metrics = sorted(
            {
                transformation.get("MetricName")
                for name in served
                for metric_filter in metric_filters.filters.get(name, [])
                for transformation in metric_filter.transformations
            }
            - {None}
        )
        gateway = Gateway(
            {name: env for name, env in provisioned.functions.items() if name in served},
            port=settings.gateway_port,
            routes=provisioned.routes,
            instances=max(1, args.instances),
            base64_bodies=args.base64_bodies,
            out=console,
            function_log=str(function_log) if function_log else None,
            timeouts=provisioned.timeouts,
            log_sink=metric_filters,
        )
        cleanup.callback(gateway.stop)
        gateway.start()

        admin_env = provisioned.functions.get("admin", {})
        console_server = start_console(
            settings, args.stack_name, provisioned, gateway, function_log, cleanup, moto.endpoint, webhook_url
        )
        state = {
            "aws_endpoint": moto.endpoint,
            "region": settings.region,
            "gateway_url": gateway.url,
            "webhook_url": webhook_url,
            "extension_port": extension.port,
            "x_api_base_url": admin_env.get("X_API_BASE_URL", x_api_base_url),
            "emulator_url": emulator.base_url if emulator else None,
            "emulator_control_token": emulator.control_token if emulator else None,
            "console_url": console_server.url,
            "lambda_endpoint": console_server.url,
            "stack_name": args.stack_name,
            "resources": provisioned.resources,
            "arns": provisioned.arns,
            "outputs": provisioned.outputs,
            "functions": provisioned.functions,
            "consumer_secret_source": settings.consumer_secret_source,
            "alarms": alarms,
            "local_metrics": local_metrics,
            "logs": {
                "moto": str(log_dir / "moto.log"),
                "functions": str(function_log) if function_log else None,
            },
        }
        if dev is None:  # said before the state file exists: a reader of the state file finds the line written
            said = last_run.reset_line(previous)
            if said:
                console.write(said + "\n")
                console.flush()
        stack.write_state(state, state_file)
        cleanup.callback(stack.remove_state, state_file)
        recorder = last_run.Recorder(last_run_file, state, emulator).start()
        cleanup.callback(recorder.stop)  # before the servers stop: the last record reads them
        if dev is not None:
            dev(state, settings, previous)
        else:
            console.write(banner(state, settings, provisioned, function_log and _relative(function_log), state_file))
        console.flush()
        if ready:
            ready(state)
        stop_event = stop_event or threading.Event()
        if args.exit_with_parent:
            _watch_parent(stop_event)
        try:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, _raise_interrupt)
            while not stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        console.write(f"\nstopping: {gateway.requests} requests served, {gateway.enqueued} events enqueued.\n")
        console.flush()
    return 0


def main(argv=None):
    return started(lambda: run(parse_args(argv)), "make run")


def started(start, prog):
    """Run `start()`; a problem the user can fix is one line on stderr and exit 2, Ctrl-C is 130."""
    try:
        return start()
    except KeyboardInterrupt:
        return 130
    except (RunError, PortInUse, ServerFailed) as exc:
        sys.stderr.write(f"{prog}: {exc}\n")
        return 2
    except Exception as exc:
        from localdev.provision import ProvisionError

        if isinstance(exc, ProvisionError):
            sys.stderr.write(f"{prog}: cannot provision the template: {exc}\n")
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
