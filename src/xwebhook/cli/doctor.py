"""`xwebhook doctor`: the receive chain of a stack (deployed, or the local one) checked end to end, each
failure with the fix that cures it. Exit 0 only when every check holds.

  outputs          the stack's outputs doctor needs (and on AWS, the stack's status)
  consumer_secret  the stack's consumer secret is readable and set (and is yours, given --secret or
                   X_CONSUMER_SECRET: the app's, which X signs with)
  crc              X's CRC from outside, as `crc-check` runs it, verified with that secret
  webhook          registered for WebhookUrl and valid at X (admin `status`: X's record); with --revalidate
                   X runs its CRC now (admin `revalidate`; locally X's emulator runs its own check)
  subscriptions    the app owner and each connected account subscribed where it should be (AAA: on the
                   webhook; XAA: each subscription ensure made still at X, none missing)
  delivery         a signed synthetic delivery (send/synthetic.py) through the webhook URL, ingest and the
                   dedup table reaches the events queue, marked synthetic; seen the way `tail` sees
                   messages, without taking any from a consumer (the local tap; on AWS a peek)
  dead_letters     the dead-letter queue is empty
  alarms           on AWS every CloudWatch alarm of the stack is not in ALARM (DescribeAlarms); locally
                   `make run` creates the template's alarms on its AWS endpoint, which never evaluates them,
                   so doctor evaluates those whose metric the local stack records

A check whose input an earlier one could not give is `skipped`, which fails too. Nothing here writes to
the stack but the synthetic delivery (one message on the queue, one item in the dedup table) and, on
request, X's revalidation.
"""

import json
import time
from datetime import UTC, datetime, timedelta

from xwebhook.cli import messages
from xwebhook.cli.errors import CliError, NoTarget, Unsupported

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
NEEDED_OUTPUTS = ("WebhookUrl", "EventsQueueUrl", "DeadLetterQueueUrl", "ConsumerSecretArn", "AdminFunctionName")
GOOD_STACK_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
PUT_SECRET = "aws secretsmanager put-secret-value --secret-id {arn} --secret-string '<your app's API Key Secret>'"  # noqa: S105
LOCAL_SECRET = "restart the local stack with your app's: X_CONSUMER_SECRET='<your app's API Key Secret>' make dev"  # noqa: S105


# (name, title, Doctor's method), in the order they run: later ones use what earlier ones found.
STEPS = (
    ("outputs", "outputs", "check_outputs"),
    ("consumer_secret", "consumer secret", "check_consumer_secret"),
    ("crc", "CRC", "check_crc"),
    ("webhook", "webhook", "check_webhook"),
    ("subscriptions", "subscriptions", "check_subscriptions"),
    ("delivery", "delivery", "check_delivery"),
    ("dead_letters", "dead letters", "check_dead_letters"),
    ("alarms", "alarms", "check_alarms"),
)


class Check:
    """One check's verdict: `status` (ok, failed, skipped), a one-line summary, the fix for a failure, notes."""

    def __init__(self, name, title):
        self.name = name
        self.title = title
        self.status = SKIPPED
        self.summary = ""
        self.fix = ""
        self.notes = []
        self.details = {}

    @property
    def ok(self):
        return self.status == OK

    def passed(self, summary, **details):
        self.status, self.summary = OK, summary
        self.details.update(details)
        return self

    def failed(self, summary, fix, **details):
        self.status, self.summary, self.fix = FAILED, summary, fix
        self.details.update(details)
        return self

    def skipped(self, summary, fix=""):
        self.status, self.summary, self.fix = SKIPPED, summary, fix
        return self

    def note(self, text):
        self.notes.append(text)

    def as_dict(self):
        document = {"name": self.name, "title": self.title, "ok": self.ok, "status": self.status}
        document["summary"] = self.summary
        if self.fix:
            document["fix"] = self.fix
        if self.notes:
            document["notes"] = list(self.notes)
        if self.details:
            document["details"] = self.details
        return document


def _error_text(exc):
    return exc.message if isinstance(exc, CliError) else f"{exc.__class__.__name__}: {exc}"


class Doctor:
    """Runs the checks against a cli.target.Target. `secret`: the app's consumer secret as the operator knows
    it (--secret, X_CONSUMER_SECRET), or None to use the stack's own."""

    def __init__(self, target, secret=None, revalidate=False, wait_seconds=10.0, clock=time.time, sleep=time.sleep):
        self.target = target
        self.given_secret = secret
        self.revalidate = revalidate
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.sleep = sleep
        self.secret = None  # the secret the CRC and the delivery are checked with
        self.status = None  # admin status, once read
        self.checks = []

    # ---- the run ----------------------------------------------------------------------------------------

    def run(self):
        for name, title, method in STEPS:
            check = Check(name, title)
            try:
                getattr(self, method)(check)
            except Exception as exc:  # a check that broke says so and the others still run
                check.failed(f"could not check: {_error_text(exc)}", self._access_fix(exc))
            self.checks.append(check)
        return self.report()

    def report(self):
        failed = [check for check in self.checks if not check.ok]
        return {
            "target": {"kind": self.target.kind, "stack": self.target.name, "region": self.target.region},
            "ok": not failed,
            "problems": len(failed),
            "checks": [check.as_dict() for check in self.checks],
        }

    def _passed(self, name):
        return any(check.name == name and check.ok for check in self.checks)

    def _access_fix(self, exc):
        if self.target.local:
            return "is the local stack still running? (make dev, or make run)"
        return (
            "your AWS identity needs read access to the stack (cloudformation:DescribeStacks; "
            "secretsmanager:GetSecretValue on ConsumerSecretArn; lambda:InvokeFunction on AdminFunctionName; "
            "sqs:ReceiveMessage, GetQueueAttributes; cloudwatch:DescribeAlarms): " + _error_text(exc)
        )

    # ---- outputs ------------------------------------------------------------------------------------------

    def check_outputs(self, check):
        missing = [name for name in NEEDED_OUTPUTS if not self._output(name)]
        status = getattr(self.target, "status", None)
        if status and status not in GOOD_STACK_STATUSES:
            return check.failed(
                f"the stack is {status}",
                "wait for a deploy in progress; after a failed one read its events (aws cloudformation "
                f"describe-stack-events --stack-name {self.target.name}) and run sam deploy again",
                stack_status=status,
                missing=missing,
            )
        if missing:
            return check.failed(
                f"missing: {', '.join(missing)}",
                "deploy the stack from this version's template (sam deploy): it has every output doctor reads"
                if not self.target.local
                else "restart the local stack (make dev): it predates these outputs",
                missing=missing,
            )
        summary = ", ".join(NEEDED_OUTPUTS)
        return check.passed(summary + (f" ({status})" if status else ""), outputs=dict(self.target.outputs))

    def _output(self, name):
        if name == "ConsumerSecretArn" and self.target.local:  # the local stack keeps it in its resources
            return self.target.outputs.get(name) or (self.target.state or {}).get("resources", {}).get("ConsumerSecret")
        return self.target.outputs.get(name)

    # ---- the consumer secret ------------------------------------------------------------------------------

    def check_consumer_secret(self, check):
        arn = self._output("ConsumerSecretArn")
        if not arn:
            return check.skipped("no ConsumerSecretArn output", "see outputs")
        try:
            stacks = self.target.consumer_secret()
        except NoTarget as exc:
            return check.skipped(exc.message)
        except CliError as exc:
            if "not usable" in exc.message:
                return check.failed(exc.message, "put your X app's consumer secret into it: " + self._secret_fix())
            return check.failed(exc.message, self._access_fix(exc))
        if self.given_secret and self.given_secret != stacks:
            self.secret = self.given_secret
            return check.failed(
                "the stack's consumer secret is not the one you gave (--secret / X_CONSUMER_SECRET): X signs "
                "deliveries and checks CRCs with yours, so the stack answers X's CRC wrongly and refuses X's "
                "deliveries (401)",
                "put yours into the stack: " + self._secret_fix(),
                secret_arn=arn,
            )
        self.secret = stacks
        if self.given_secret:
            return check.passed("readable, and the one you gave (your X app's)", secret_arn=arn)
        return check.passed(
            "readable and set (--secret, or X_CONSUMER_SECRET, checks it is your app's)", secret_arn=arn
        )

    # ---- the CRC from outside -----------------------------------------------------------------------------

    def check_crc(self, check):
        from xwebhook.cli.crc_check import X_DEADLINE_SECONDS, check_crc

        url = self.target.outputs.get("WebhookUrl")
        if not url:
            return check.skipped("no WebhookUrl output", "see outputs")
        try:
            report = check_crc(url, self.secret, timeout=10.0)
        except ValueError as exc:
            return check.failed(str(exc), "WebhookUrl must be an https URL (PublicWebhookUrl, or the HTTP API's)")
        for note in report.notes:
            if not (self.target.local and "only https" in note):  # the local stack is plain http by design
                check.note(note)
        details = {"url": url, "crc": report.as_dict()}
        if report.ok:
            verified = "the right token" if report.verified else "a well-formed token (not verified: no secret)"
            latency = f"{report.latency_ms:.0f} ms"
            return check.passed(
                f"{report.status} in {latency}, {verified} (X waits {X_DEADLINE_SECONDS:g} s)", **details
            )
        code, detail = report.causes[0]
        return check.failed(f"{code}: {detail}", self._crc_fix(code, report), **details)

    def _secret_fix(self):
        """How to give the stack your app's consumer secret."""
        if self.target.local:
            return LOCAL_SECRET
        arn = self._output("ConsumerSecretArn") or "<ConsumerSecretArn>"
        return PUT_SECRET.format(arn=arn) + " (the functions read it again within SECRET_CACHE_SECONDS)"

    def _crc_fix(self, code, report):
        if code == "unreachable":
            if self.target.local:
                return "nothing answers at the webhook URL: start the local stack (make dev)"
            return (
                "nothing answers at WebhookUrl: check that the stack's HTTP API exists, and with PublicWebhookUrl "
                "your domain's DNS record and API mapping"
            )
        if code == "tls":
            return "X needs a valid certificate for the webhook's host: fix the custom domain's ACM certificate"
        if code in ("timeout", "slow"):
            return (
                "the crc function answers too slowly for X (3 s): read its log for the time spent (cold start, "
                "the consumer secret's read through the extension)"
            )
        if code == "redirect":
            return "X does not follow redirects: register the final URL (PublicWebhookUrl) or remove the redirect"
        if code == "status" and report.status == 503:
            return "the crc function cannot read the consumer secret (503): " + self._secret_fix()
        if code == "status":
            return "the URL does not reach the crc function: check PublicWebhookUrl and the HTTP API's routes"
        if code == "wrong-secret":
            whose = "the one you gave" if self.given_secret else "the stack's secret"
            return f"the crc function signs with another consumer secret than {whose}: " + self._secret_fix()
        return "something other than the stack's crc function answers at WebhookUrl (a proxy?): point it at the stack"

    # ---- the webhook at X ---------------------------------------------------------------------------------

    def check_webhook(self, check):
        if not self.target.outputs.get("AdminFunctionName"):
            return check.skipped("no AdminFunctionName output", "see outputs")
        try:
            status = self.target.invoke_admin("status")
        except Unsupported as exc:
            return check.failed(exc.message, "deploy this version's admin function (sam deploy)")
        self.status = status
        if not status.get("ok"):
            error = str(status.get("error") or "admin status failed")
            return check.failed(f"admin status: {error}", self._admin_fix(error), status=_brief(status))
        hook = status.get("webhook") or {}
        url = status.get("webhook_url") or self.target.outputs.get("WebhookUrl")
        details = {"webhook": hook, "webhook_url": url}
        for other in status.get("other_webhooks") or []:
            check.note(f"X also has webhook {other.get('id')} for {other.get('url')} (another stack, or an old URL?)")
        if not hook:
            return check.failed(
                f"no webhook is registered at X for {url}",
                "xwebhook admin ensure (registers it: X runs a CRC against it, so the CRC check must pass first)",
                **details,
            )
        valid = bool(hook.get("valid"))
        now = self._x_crc_now(hook.get("id")) if self.revalidate else None
        if now is not None:
            details["crc_now"] = now
            valid = bool(now.get("valid"))
        if not valid:
            why = f" (X's CRC just now: {now['reason'] or 'failed'})" if now is not None else ""
            return check.failed(
                f"webhook {hook.get('id')} is not valid at X{why}: X delivers nothing to it",
                "X marks a webhook invalid when its CRC fails: fix what the CRC check names (most often the "
                "consumer secret), then xwebhook admin ensure revalidates it (X runs a CRC again)",
                **details,
            )
        said = "; X's CRC just now: passed" if now is not None else ""
        return check.passed(f"{hook.get('id')} valid at X for {url}{said}", **details)

    def _x_crc_now(self, webhook_id):
        """X's CRC run now (--revalidate): the local emulator's check (the local stack against X itself:
        admin revalidate, as on AWS), or admin revalidate. X marks the webhook by its result."""
        state = self.target.state or {}
        if self.target.local and state.get("emulator_url"):
            answer = _emulator_post(state, f"/_emulator/webhooks/{webhook_id}/crc", {})
            crc = answer.get("crc") or {}
            return {"valid": bool(answer.get("valid")), "reason": crc.get("detail") or crc.get("kind") or ""}
        result = self.target.invoke_admin("revalidate", {"webhook_id": webhook_id})
        return {"valid": bool(result.get("valid")), "reason": result.get("error") or result.get("note") or ""}

    def _admin_fix(self, error):
        lowered = error.lower()
        arn = self.target.outputs.get("XApiCredentialsSecretArn") or "<XApiCredentialsSecretArn>"
        if "credentials" in lowered or "bearer_token" in lowered:
            if self.target.local:
                return "start the local stack with X's emulator (make dev), or with your app's X_* credentials"
            return (
                "put your X app's credentials JSON into the stack: aws secretsmanager put-secret-value "
                f"--secret-id {arn} --secret-string file://x-credentials.json (docs/deploy.md, Secrets)"
            )
        if "429" in lowered or "rate limit" in lowered:
            return "X's rate limit: run doctor again after the reset time in the error"
        return "read the admin function's log (the error names X's answer): docs/operations.md"

    # ---- subscriptions ------------------------------------------------------------------------------------

    def check_subscriptions(self, check):
        status = self.status
        if status is None or not status.get("ok"):
            return check.skipped("admin status could not be read (see webhook)")
        subscribed = {str(user) for user in status.get("subscribed_user_ids") or []}
        missing = []  # (user id, name, what is missing)
        for owner in status.get("wanted_user_ids") or []:
            if str(owner) not in subscribed:
                missing.append((str(owner), "the app owner", "AAA subscription on the webhook"))
        try:
            listed = self.target.invoke_admin("accounts")
        except Unsupported:
            listed = None
            check.note("this admin function has no accounts action: only the app owner was checked")
        accounts = (listed or {}).get("accounts") or []
        if listed is not None and not listed.get("ok"):
            return check.failed(f"admin accounts: {listed.get('error')}", self._admin_fix(str(listed.get("error"))))
        reconnect, inactive = [], []
        at_x = self._xaa_at_x(accounts)
        for account in accounts:
            user, name = str(account.get("user_id")), account.get("screen_name") or ""
            state = account.get("status")
            if state == "needs_reconnect":
                reconnect.append((user, name))
                continue
            if state != "active":
                inactive.append(f"{user} ({state})")
                continue
            if account.get("aaa") and user not in subscribed:
                missing.append((user, name, "AAA subscription on the webhook"))
            gone = sorted(
                event_type
                for event_type, subscription in (account.get("xaa_subscriptions") or {}).items()
                if at_x is not None and str(subscription) not in at_x
            )
            if gone:
                missing.append((user, name, "XAA " + ", ".join(gone)))
        if inactive:
            check.note("not expected to be subscribed: " + ", ".join(inactive[:10]))
        would = (status.get("xaa") or {}).get("ensure_would") or {}
        to_create = int(would.get("create") or 0) + int(would.get("repoint") or 0)
        details = {
            "accounts": len(accounts),
            "subscribed_user_ids": sorted(subscribed),
            "missing": [{"user_id": user, "name": name, "missing": what} for user, name, what in missing],
            "needs_reconnect": [{"user_id": user, "name": name} for user, name in reconnect],
            "xaa_ensure_would_create_or_repoint": to_create,
        }
        problems = []
        if missing:
            named = ", ".join(f"{user}{f' ({name})' if name else ''}: {what}" for user, name, what in missing[:10])
            problems.append(f"{len(missing)} not subscribed: {named}" + (" ..." if len(missing) > 10 else ""))
        if to_create:
            problems.append(f"ensure would create or repoint {to_create} XAA subscription(s)")
        if reconnect:
            named = ", ".join(user for user, _ in reconnect[:10])
            problems.append(f"{len(reconnect)} account(s) need their owner to sign in again: {named}")
        if problems:
            fixes = []
            if missing or to_create:
                fixes.append(
                    "xwebhook admin ensure (subscribes the owner and every connected account; the schedule "
                    "does it hourly)"
                )
            if reconnect:
                fixes.append("send each owner their reconnect URL (xwebhook status lists them: accounts.attention)")
            return check.failed("; ".join(problems), "; ".join(fixes), **details)
        owners = ", ".join(str(owner) for owner in status.get("wanted_user_ids") or [])
        if listed is None or not accounts:
            said = f"the app owner {owners} subscribed" if owners else "nothing to subscribe"
            return check.passed(said + ("; no connected account yet" if listed is not None else ""), **details)
        who = f"the app owner {owners} and " if owners else ""
        return check.passed(f"{who}all {len(accounts)} connected account(s) subscribed", **details)

    def _xaa_at_x(self, accounts):
        """The ids of the XAA subscriptions X lists, when an account has any recorded (else None: not read)."""
        if not any(account.get("xaa_subscriptions") for account in accounts):
            return None
        listed = self.target.invoke_admin("xaa_list")
        if not listed.get("ok"):
            raise CliError(f"admin xaa_list: {listed.get('error')}")
        return {str(item.get("subscription_id")) for item in listed.get("subscriptions") or []}

    # ---- a synthetic delivery -----------------------------------------------------------------------------

    def check_delivery(self, check):
        from xwebhook.send import synthetic

        url, queue_url = self.target.outputs.get("WebhookUrl"), self.target.outputs.get("EventsQueueUrl")
        if not url or not queue_url:
            return check.skipped("no WebhookUrl or EventsQueueUrl output", "see outputs")
        if self.secret is None:
            return check.skipped("no consumer secret to sign with (see consumer secret)")
        run_id = synthetic.new_run_id()
        body = synthetic.doctor_delivery(run_id, datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
        looking = self._queue_watch(queue_url)
        started = self.clock()
        sent = synthetic.post(url, body, self.secret)
        details = {"run_id": run_id, "url": url, "status": sent.status, "answer": sent.as_dict()["answer"]}
        if sent.status != 200:
            return check.failed(
                f"ingest answered {sent.status or 'nothing'}: {sent.answer[:200]}", self._delivery_fix(sent), **details
            )
        answer = sent.as_dict()["answer"] if isinstance(sent.as_dict()["answer"], dict) else {}
        if answer.get("sent") != 1:
            return check.failed(
                f"ingest answered 200 but sent {answer.get('sent')} message(s) for the one event",
                "ingest took the delivery for a duplicate or split it otherwise: read ingest's log for this delivery",
                **details,
            )
        found = looking(run_id)
        details["seen"] = found is not None
        elapsed = round(self.clock() - started, 3)
        details["seconds"] = elapsed
        if found is None:
            if self.target.local:
                return check.failed(
                    f"ingest answered 200 (sent=1) but the message is not on the queue after {self.wait_seconds:g} s",
                    "read .local/functions.log for ingest's line and the local endpoint's moto.log",
                    **details,
                )
            check.note(
                f"not seen by peeking within {self.wait_seconds:g} s: a consumer took it first (expected with one "
                "running), or it waits behind another message of its FIFO group; SQS accepted it (sent=1)"
            )
            return check.passed(f"SQS accepted it (ingest: 200, sent=1) in {sent.ms:.0f} ms", **details)
        details["message"] = {"message_id": found["message_id"], "attributes": found["attributes"]}
        body_marked = isinstance(found["body"], dict) and found["body"].get("synthetic") is True
        if found["attributes"].get("synthetic") != "true" or not body_marked:
            return check.failed(
                "it reached the queue unmarked: consumers cannot tell it from X's events (its type, "
                f"{synthetic.EVENT_TYPE}, is one no consumer routes)",
                "deploy this version's ingest function (sam deploy): it predates synthetic markers",
                **details,
            )
        how = "the local endpoint's tap" if self.target.local else "a peek (nothing taken)"
        return check.passed(
            f"reached the queue in {_duration(elapsed)}, marked synthetic (seen by {how}; consumers skip it)", **details
        )

    def _queue_watch(self, queue_url):
        """A function run_id -> the message document carrying it (messages.render), or None after the wait.
        Set up before the delivery: locally the tap's position, on AWS the peeker."""
        deadline_seconds = self.wait_seconds
        tap = self.target.tap(queue_url)
        if tap is not None:
            _, last = tap.held()

            def from_tap(run_id):
                position, until = last, self.clock() + deadline_seconds
                while True:
                    added, position = tap.added(after=position, wait=max(0.0, min(2.0, until - self.clock())))
                    for record in added:
                        document = messages.render_tapped(record)
                        if _run_of(document) == run_id:
                            return document
                    if self.clock() >= until:
                        return None

            return from_tap
        peeker = messages.Peeker(self.target.client("sqs"), queue_url)

        def by_peeking(run_id):
            until = self.clock() + deadline_seconds
            while True:
                try:
                    for message in peeker.poll():
                        document = messages.render(message)
                        if _run_of(document) == run_id:
                            return document
                except messages.PeekBudgetSpent:
                    return None
                if self.clock() >= until:
                    return None
                self.sleep(1.0)

        return by_peeking

    def _delivery_fix(self, sent):
        answer = sent.answer.lower()
        if sent.status is None:
            return self._crc_fix("unreachable", None)
        if sent.status == 401 and "synthetic" in answer:
            return (
                "ingest's consumer secret differs from the one doctor signed with, yet the signature passed: "
                "the secret was just rotated; run doctor again in a minute"
            )
        if sent.status == 401:
            return "ingest verifies with another consumer secret than doctor signed with: " + self._secret_fix()
        if sent.status == 503:
            return (
                "ingest could not store it (SQS, DynamoDB or the secret failing): read ingest's log line for its "
                "detail (xwebhook console shows it) and the function's permissions"
            )
        return "read ingest's log line for this delivery (its reason and detail)"

    # ---- dead letters -------------------------------------------------------------------------------------

    def check_dead_letters(self, check):
        url = self.target.outputs.get("DeadLetterQueueUrl")
        if not url:
            return check.skipped("no DeadLetterQueueUrl output", "see outputs")
        counts = messages.depth(self.target.client("sqs"), url)
        waiting = counts["visible"] + counts["in_flight"] + counts["delayed"]
        if waiting:
            return check.failed(
                f"{waiting} message(s) on the dead-letter queue: a consumer failed them maxReceiveCount times",
                "look at them (xwebhook tail --dlq), fix the consumer, then move them back: xwebhook redrive",
                url=url,
                **counts,
            )
        return check.passed("empty", url=url, **counts)

    # ---- alarms -------------------------------------------------------------------------------------------

    def check_alarms(self, check):
        alarms = self._alarms()
        if self.target.local:
            return self._local_alarms(check, alarms)
        if not alarms:
            return check.failed(
                "the stack has no CloudWatch alarms",
                "deploy this version's template (sam deploy): it creates the alarms",
            )
        firing = [alarm for alarm in alarms if alarm.get("StateValue") == "ALARM"]
        waiting = [alarm["AlarmName"] for alarm in alarms if alarm.get("StateValue") == "INSUFFICIENT_DATA"]
        details = {"alarms": {alarm["AlarmName"]: alarm.get("StateValue") for alarm in alarms}}
        if waiting:
            check.note(f"{len(waiting)} without data yet (normal after a deploy): " + ", ".join(waiting[:10]))
        if firing:
            named = "; ".join(f"{alarm['AlarmName']}: {alarm.get('StateReason', '')}" for alarm in firing)
            fixes = " | ".join(f"{_short(alarm['AlarmName'])}: {alarm.get('AlarmDescription', '')}" for alarm in firing)
            return check.failed(f"{len(firing)} in ALARM: {named}", fixes, **details)
        return check.passed(f"{len(alarms)} alarm(s), none in ALARM", **details)

    def _alarms(self):
        """The stack's alarms (DescribeAlarms entries), by their names: CloudFormation names an alarm the
        template does not name `<stack>-<LogicalId>-<suffix>`, `make run` names it `<stack>-<LogicalId>`. Only
        those: another stack's name may start with this one's (`<stack>-staging-...` has a part more)."""
        prefix = f"{self.target.name}-"
        parts = 1 if self.target.local else 2
        found = []
        for page in self.target.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix):
            found += [
                alarm
                for alarm in page.get("MetricAlarms", [])
                if len(alarm["AlarmName"][len(prefix) :].split("-")) == parts
            ]
        return found

    def _local_alarms(self, check, alarms):
        if not alarms:
            return check.failed(
                "the local stack has no alarms on its AWS endpoint",
                "restart it (make dev): `make run` creates the template's alarms since doctor exists",
            )
        cloudwatch = self.target.client("cloudwatch")
        recorded = set((self.target.state or {}).get("local_metrics") or [])
        evaluated, firing, not_here = [], [], []
        for alarm in alarms:
            mine = alarm.get("MetricName") in recorded
            verdict = evaluate_locally(alarm, cloudwatch, datetime.now(UTC)) if mine else None
            if verdict is None:
                not_here.append(_short(alarm["AlarmName"]))
            elif verdict:
                firing.append(alarm)
            else:
                evaluated.append(_short(alarm["AlarmName"]))
        details = {"evaluated_ok": evaluated, "in_alarm": [a["AlarmName"] for a in firing], "not_evaluated": not_here}
        check.note(
            "the local endpoint (moto) keeps the template's alarms but never evaluates them: doctor evaluates those "
            "whose metric the local stack records (crc's and ingest's log lines through the template's metric "
            "filters); not evaluated here, their metrics coming from AWS (SQS) or the admin function's embedded "
            f"metrics: {', '.join(not_here) or '-'}; the webhook, subscriptions and dead letters checks cover them"
        )
        if firing:
            named = ", ".join(_short(alarm["AlarmName"]) for alarm in firing)
            fixes = " | ".join(f"{_short(alarm['AlarmName'])}: {alarm.get('AlarmDescription', '')}" for alarm in firing)
            return check.failed(f"{len(firing)} would be in ALARM: {named}", fixes, **details)
        return check.passed(
            f"{len(evaluated)} evaluated on the local metrics, none in ALARM; {len(not_here)} only AWS can evaluate",
            **details,
        )


COMPARE = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def evaluate_locally(alarm, cloudwatch, now):
    """True when `alarm` (a DescribeAlarms MetricAlarms entry, its metric one the local stack records) would be
    in ALARM on the metrics the local endpoint holds, False when not; None when it cannot tell (an operator it
    does not know, or no data for an alarm that treats missing data as breaching)."""
    if alarm.get("ComparisonOperator") not in COMPARE:
        return None
    period = int(alarm.get("Period") or 60)
    periods = int(alarm.get("EvaluationPeriods") or 1)
    needed = int(alarm.get("DatapointsToAlarm") or periods)
    statistic = alarm.get("Statistic") or "Sum"
    answer = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm.get("Dimensions") or [],
        StartTime=now - timedelta(seconds=period * periods),
        EndTime=now + timedelta(seconds=60),
        Period=period,
        Statistics=[statistic],
    )
    points = [point[statistic] for point in answer.get("Datapoints", []) if statistic in point]
    if not points:
        return None if alarm.get("TreatMissingData") == "breaching" else False
    compare = COMPARE[alarm["ComparisonOperator"]]
    return sum(1 for value in points if compare(value, float(alarm.get("Threshold", 0)))) >= min(needed, len(points))


def _duration(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _short(alarm_name):
    """`xwebhook-DeadLetterQueueAlarm-1A2B3C` -> DeadLetterQueueAlarm (the logical id in CloudFormation's names)."""
    parts = alarm_name.split("-")
    named = [part for part in parts if part.endswith("Alarm")]
    return named[-1] if named else alarm_name


def _run_of(document):
    body = document.get("body")
    if not isinstance(body, dict):
        return None
    event = body.get("event")
    payload = event.get("payload") if isinstance(event, dict) else None
    return payload.get("run_id") if isinstance(payload, dict) else None


def _brief(status):
    return {key: status.get(key) for key in ("action", "ok", "error") if key in status}


def _emulator_post(state, path, document):
    """POST to the local X emulator's control plane (the run's token); its JSON answer."""
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the local emulator
        state["emulator_url"].rstrip("/") + path,
        data=json.dumps(document).encode(),
        headers={"Content-Type": "application/json", "X-Emulator-Token": state.get("emulator_control_token") or ""},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read())
    except OSError as exc:
        raise CliError(f"the X emulator at {state['emulator_url']} did not answer: {exc}") from None
