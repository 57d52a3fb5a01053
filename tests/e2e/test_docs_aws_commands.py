"""Every `aws` command of the README and the docs site's pages (docs/) runs as written with AWS CLI v1 and
v2 (`make awscli` installs both: v1 1.45 from PyPI, Debian's v2 2.9). Neither of those reads
AWS_ENDPOINT_URL, so a command that relied on it would reach real AWS and fail here. The local stack stands
in for the deployed one: placeholders become its values, and a command written for AWS gets
`--endpoint-url` (the local endpoint, or the console's Lambda Invoke API) as the only change."""

import collections
import contextlib
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from localdev.testing import DEV_SECRET, run_local_stack

REPO = Path(__file__).resolve().parents[2]
CLIS = {"v1": REPO / ".venv-awscli" / "bin" / "aws", "v2": Path(os.environ.get("AWSCLI_V2", "/usr/bin/aws"))}
FENCE = re.compile(r"```sh\n(.*?)```", re.S)
INLINE = re.compile(r"`((?:[A-Z_]+=\S+ )*aws [^`]+)`", re.S)
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
# The runnable `aws` commands each page holds. A page that gains or loses one says so here: a change to a
# page or to the extraction below can then never leave this test running fewer commands than it should.
EXPECTED = {
    "docs/connect.md": 1,  # an invite through lambda invoke
    "docs/deploy.md": 4,  # the two secrets, ensure through lambda invoke, the stack's outputs, the queue
    "docs/local.md": 2,  # the local queue with any SQS client, the sam-local secret
    "docs/operations.md": 1,  # any admin action through lambda invoke
}
STAND_IN_STACK = "xwebhook-docs"  # <stack name> in the pages


def page_commands(text):
    """Shell snippets that run `aws`: whole ```sh blocks holding one, and inline `aws ...` commands."""
    snippets = [block for block in FENCE.findall(text) if re.search(r"^\s*aws ", block, re.M)]
    outside = FENCE.sub("", text)
    snippets += [" ".join(command.split()) for command in INLINE.findall(outside)]
    # Not the elided ones (`... lambda invoke ...`; a JSON "..." value is not an elision) nor bare mentions.
    return [s for s in snippets if not re.search(r'\.\.\.(?!")', s) and "<json>" not in s and len(s.split()) > 3]


def doc_commands():
    """(page, snippet) for every page of the README and docs/."""
    return [(str(page.relative_to(REPO)), s) for page in PAGES for s in page_commands(page.read_text())]


def test_each_page_holds_the_aws_commands_this_test_runs():
    counts = collections.Counter(page for page, _ in doc_commands())
    assert dict(counts) == EXPECTED


def test_no_command_uses_an_option_only_aws_cli_v2_knows():
    assert [s for _, s in doc_commands() if "--cli-binary-format" in s] == []


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # Its own stack: the pages' commands overwrite secrets.
    with run_local_stack(
        tmp_path_factory.mktemp("docs-aws"), env={"X_CONSUMER_SECRET": DEV_SECRET, "X_EMULATOR": "1"}
    ) as running:
        stand_in_cloudformation_stack(running)
        yield running


def stand_in_cloudformation_stack(running):
    """The deployed stack's CloudFormation record, for the commands that print its outputs: `make run`
    provisions the template's resources directly and records none, so this one carries the same outputs."""
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in running.state["outputs"].items()},
    }
    running.client("cloudformation").create_stack(StackName=STAND_IN_STACK, TemplateBody=json.dumps(template))


def localise(snippet, state):
    resources, outputs = state["resources"], state["outputs"]
    values = {
        "<events queue>": resources["EventsQueue"],
        "<EventsQueueUrl>": resources["EventsQueue"],
        "<ConsumerSecretArn>": resources["ConsumerSecret"],
        "<XApiCredentialsSecretArn>": resources["XApiCredentialsSecret"],
        "<AdminFunctionName>": outputs["AdminFunctionName"],
        "<consumer secret>": DEV_SECRET,
        "<stack name>": STAND_IN_STACK,
        "http://127.0.0.1:4566": state["aws_endpoint"],
        "http://127.0.0.1:3001": state["console_url"],
    }
    for placeholder, value in values.items():
        snippet = snippet.replace(placeholder, value)
    lines = []
    for line in snippet.splitlines():
        words = line.split()
        if "aws" in words and "--endpoint-url" not in line:
            service = words[words.index("aws") + 1]
            endpoint = state["console_url"] if service == "lambda" else state["aws_endpoint"]
            line = line.replace("aws ", f"aws --endpoint-url {shlex.quote(endpoint)} ", 1)
        lines.append(line)
    return "\n".join(lines)


def run(cli, script, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "aws").unlink(missing_ok=True)
    (bin_dir / "aws").symlink_to(cli)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    (tmp_path / "payload.json").write_text('{"action": "status"}')  # the Operations page's example payload file
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("version", sorted(CLIS))
@pytest.mark.parametrize(
    ("page", "snippet"), doc_commands(), ids=lambda s: s if s.endswith(".md") else " ".join(s.split())[:60]
)
def test_each_aws_command_of_the_docs_works_as_written(stack, version, page, snippet, tmp_path):
    from botocore.exceptions import ClientError

    with contextlib.suppress(ClientError):  # the sam-local secret (local.md), made by the other CLI's run
        stack.client("secretsmanager").delete_secret(
            SecretId="xwebhook-dev/consumer-secret", ForceDeleteWithoutRecovery=True
        )
    cli = CLIS[version]
    assert cli.exists(), f"no AWS CLI {version} at {cli}: run `make awscli`"
    result = run(cli, localise(snippet, stack.state), tmp_path)
    assert result.returncode == 0, f"{page}, {version}: {result.stderr[-800:]}"


def test_aws_cli_v1_ignores_aws_endpoint_url_which_is_why_the_commands_name_their_endpoint(stack, tmp_path):
    queue = stack.state["resources"]["EventsQueue"]
    endpoint = stack.state["aws_endpoint"]
    script = f"AWS_ENDPOINT_URL={endpoint} aws --cli-connect-timeout 2 sqs get-queue-attributes --queue-url {queue}"
    assert run(CLIS["v1"], script, tmp_path).returncode != 0  # it went to AWS, not to the local endpoint
