"""make x-contract: our extract of X's OpenAPI document, and what it prints when X's document moves."""

import copy
import json
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate as validate_spec

from localdev.x_contract import EXTRACT_PATH, OPERATIONS
from localdev.x_contract import __main__ as cli
from localdev.x_contract.catalogue import findings
from localdev.x_contract.changes import report
from localdev.x_contract.extract import ExtractError, extract, load, to_text
from xwebhook.x_api import event_types

MIRROR = Path("/work/.mirror/xdevplatform+docs/repo")
X_COMMIT = "287132819074964da9c1c410ba02df5a06c932d3"
SOURCE = {"repository": "xdevplatform/docs", "commit": "c0ffee", "path": "openapi.json"}


@pytest.fixture
def x_document():
    """A stand-in for X's whole document: our extract plus things we do not use."""
    document = copy.deepcopy(load())
    document["paths"]["/2/tweets"] = {"get": {"responses": {"200": {"$ref": "#/components/responses/Unused"}}}}
    document["components"]["responses"] = {"Unused": {"description": "not ours"}}
    document["components"]["schemas"]["NotReferenced"] = {"type": "string"}
    return document


def test_the_committed_extract_is_a_valid_openapi_document():
    validate_spec(load())


def test_the_committed_extract_records_where_it_came_from():
    source = load()["x-extracted-from"]
    assert (source["repository"], source["commit"], source["info_version"]) == ("xdevplatform/docs", X_COMMIT, "2.167")


def test_the_committed_extract_holds_exactly_the_operations_we_use():
    held = {(method, path) for path, item in load()["paths"].items() for method in item if method != "parameters"}
    assert held == {(method, path) for method, path, _ in OPERATIONS}


@pytest.mark.skipif(not MIRROR.exists(), reason="X's docs mirror is not on this machine")
def test_the_committed_extract_is_what_the_script_makes_of_xs_document_at_that_commit(tmp_path):
    out = tmp_path / "extract.json"
    assert cli.main(["--spec", str(MIRROR), "--rev", X_COMMIT, "--out", str(out)]) == 0
    assert out.read_text() == EXTRACT_PATH.read_text()


def test_components_nobody_references_are_left_out(x_document):
    made = extract(x_document, SOURCE)
    assert "NotReferenced" not in made["components"]["schemas"]


def test_paths_we_do_not_use_are_left_out(x_document):
    assert "/2/tweets" not in extract(x_document, SOURCE)["paths"]


def test_schemas_reached_through_other_schemas_are_kept(x_document):
    made = extract(x_document, SOURCE)
    assert "CreateActivitySubscriptionFilter" in made["components"]["schemas"]  # via the request body only


def test_an_operation_x_removed_stops_the_extract_and_names_it(x_document):
    del x_document["paths"]["/2/activity/subscriptions"]["post"]
    with pytest.raises(ExtractError, match=r"POST /2/activity/subscriptions"):
        extract(x_document, SOURCE)


def test_the_script_writes_nothing_when_an_operation_is_gone(x_document, tmp_path, capsys):
    del x_document["paths"]["/2/users/me"]
    spec, out = tmp_path / "openapi.json", tmp_path / "extract.json"
    spec.write_text(json.dumps(x_document))
    assert cli.main(["--spec", str(spec), "--out", str(out)]) == 1
    assert not out.exists()
    assert "GET /2/users/me" in capsys.readouterr().err


def test_the_script_records_the_commit_given_for_a_file(x_document, tmp_path):
    spec, out = tmp_path / "openapi.json", tmp_path / "extract.json"
    spec.write_text(json.dumps(x_document))
    assert cli.main(["--spec", str(spec), "--commit", "abc123", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["x-extracted-from"]["commit"] == "abc123"


def test_the_script_reads_a_git_directory_at_a_revision_and_records_its_commit(x_document, tmp_path):
    repo = tmp_path / "docs"
    repo.mkdir()
    (repo / "openapi.json").write_text(json.dumps(x_document))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "openapi.json"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    out = tmp_path / "extract.json"
    assert cli.main(["--spec", str(repo), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["x-extracted-from"]["commit"] == sha


def test_check_prints_and_writes_nothing(x_document, tmp_path):
    spec, out = tmp_path / "openapi.json", tmp_path / "extract.json"
    spec.write_text(json.dumps(x_document))
    assert cli.main(["--spec", str(spec), "--out", str(out), "--check"]) == 0
    assert not out.exists()


# ---- what it prints --------------------------------------------------------------------------------------


def _changed(x_document, change):
    before = extract(x_document, SOURCE)
    moved = copy.deepcopy(x_document)
    change(moved)
    after = extract(moved, {**SOURCE, "commit": "d00d"})
    return "\n".join(report(before, after, findings(after, event_types)))


def test_the_same_document_prints_no_change(x_document):
    text = _changed(x_document, lambda document: None)
    assert text.count("no change") == 4


def test_a_new_event_type_is_printed_and_named_as_a_catalogue_finding(x_document):
    def add(document):
        schema = document["components"]["schemas"]["CreateActivitySubscriptionRequest"]
        schema["properties"]["event_type"]["enum"].append("post.bookmark.create")

    text = _changed(x_document, add)
    assert "  + post.bookmark.create" in text
    assert "! post.bookmark.create: X's create request takes this event type; our catalogue lacks it" in text


def test_a_changed_operation_scope_is_printed_with_both_sides(x_document):
    def narrow(document):
        document["paths"]["/2/users/me"]["get"]["security"][0]["OAuth2UserToken"] = ["users.read"]

    text = _changed(x_document, narrow)
    assert "security: OAuth2UserToken[tweet.read users.read] | UserToken -> OAuth2UserToken[users.read]" in text
    assert "! users_me: GET /2/users/me requires OAuth 2.0 scopes ('users.read',)" in text


def test_a_changed_parameter_constraint_is_printed(x_document):
    def longer(document):
        for parameter in document["paths"]["/2/activity/subscriptions"]["get"]["parameters"]:
            if parameter["name"] == "pagination_token":
                parameter["schema"]["minLength"] = 32

    assert "parameter query:pagination_token: $.schema.minLength: 16 -> 32" in _changed(x_document, longer)


def test_a_changed_response_schema_is_printed_with_its_path(x_document):
    def meta(document):
        schema = document["components"]["schemas"]["GetActivitySubscriptionsResponse"]
        schema["properties"]["meta"] = {"type": "object", "properties": {"next_token": {"type": "string"}}}

    text = _changed(x_document, meta)
    assert "~ GetActivitySubscriptionsResponse" in text
    assert "$.properties.meta: added" in text


def test_a_new_scope_of_xs_scheme_is_printed(x_document):
    def scope(document):
        scheme = document["components"]["securitySchemes"]["OAuth2UserToken"]
        scheme["flows"]["authorizationCode"]["scopes"]["activity.read"] = "Read your activity."

    assert "  + activity.read" in _changed(x_document, scope)


def test_a_changed_per_type_scope_rule_is_named_for_each_type_it_moves(x_document):
    def rule(document):
        operation = document["paths"]["/2/activity/subscriptions"]["post"]
        operation["description"] = operation["description"].replace("like.read for like.*", "likes.read for like.*")

    text = _changed(x_document, rule)
    assert "! like.create: X's rule gives it likes.read; our catalogue asks like.read" in text


def test_the_first_extract_lists_everything_as_new(x_document):
    text = "\n".join(report(None, extract(x_document, SOURCE), []))
    assert "before: no extract" in text
    assert "  + POST /2/activity/subscriptions (createActivitySubscription;" in text


def test_the_extract_text_ends_with_a_newline_and_round_trips(x_document):
    made = extract(x_document, SOURCE)
    assert json.loads(to_text(made)) == made
