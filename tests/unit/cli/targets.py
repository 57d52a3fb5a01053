"""A stand-in for cli/target.py's Target: a local stack (with or without X emulated) or a deployed one, whose
admin function answers what a test scripts. `run(answer, *words)` (the `cli` fixture in conftest.py) runs the
CLI against it as a person types the words."""

from xwebhook.cli.errors import UnknownAction

ADMIN_ACTIONS = ("status", "ensure", "invite", "accounts", "replay", "subscriptions")


class StackTarget:
    def __init__(self, answer=None, kind="local", emulated=True, known=ADMIN_ACTIONS):
        self.kind = kind
        self.name = "test-stack"
        self.region = "us-east-1"
        self.answer = answer or (lambda action, fields: {"action": action, "ok": True})
        self.known = known
        self.asked = []
        self.state = (
            {"aws_endpoint": "http://127.0.0.1:4566", "emulator_url": "http://127.0.0.1:4010" if emulated else None}
            if kind == "local"
            else None
        )
        self.outputs = {
            "WebhookUrl": "https://hooks.example.com/webhook",
            "XApiCredentialsSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-api-credentials-Ab12",
        }

    @property
    def local(self):
        return self.kind == "local"

    def describe(self):
        return "local stack test-stack" if self.local else "stack test-stack (AWS eu-west-1)"

    def invoke_admin(self, action, fields=None):
        self.asked.append((action, dict(fields or {})))
        if action not in self.known:
            raise UnknownAction(f"the admin function has no {action!r} action", action, self.known)
        return self.answer(action, dict(fields or {}))
