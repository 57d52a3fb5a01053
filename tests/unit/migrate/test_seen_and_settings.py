"""The events seen per account (the dedup table's by_user index, against a fake client) and the settings."""

import pytest
from botocore.exceptions import ClientError

from xwebhook.env import ConfigError
from xwebhook.migrate.seen import DynamoSeenEvents, NoSeenEvents, seen_events
from xwebhook.migrate.settings import XaaSettings
from xwebhook.x_api import event_types


class ScriptedQuery:
    """A DynamoDB client whose Query answers the scripted pages in turn (or raises `error`), recording each
    request: the by_user index's paging, on its own (tests/fakes/aws.py's FakeDynamo is a table)."""

    def __init__(self, pages=(), error=None):
        self.pages = list(pages)
        self.error = error
        self.requests = []

    def query(self, **request):
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return self.pages.pop(0)


def item(source, event_type):
    return {"source": {"S": source}, "event_type": {"S": event_type}}


def test_counts_are_read_from_the_by_user_index_page_by_page():
    client = ScriptedQuery(
        [
            {"Items": [item("aaa", "favorite"), item("xaa", "like.create")], "LastEvaluatedKey": {"k": {"S": "1"}}},
            {"Items": [item("aaa", "favorite")]},
        ]
    )
    counts = DynamoSeenEvents(client, "dedup").counts("42", 1000)
    assert counts.by_type == {("aaa", "favorite"): 2, ("xaa", "like.create"): 1}
    assert counts.total("xaa") == 1
    assert counts.of("aaa") == {"favorite": 2}
    first, second = client.requests
    assert first["IndexName"] == "by_user"
    assert first["TableName"] == "dedup"
    assert first["KeyConditionExpression"] == "for_user_id = :user AND received_at >= :since"
    assert first["ExpressionAttributeValues"] == {":user": {"S": "42"}, ":since": {"N": "1000"}}
    assert first["ExpressionAttributeNames"] == {"#source": "source"}
    assert "ExclusiveStartKey" not in first
    assert second["ExclusiveStartKey"] == {"k": {"S": "1"}}


def test_counts_stop_at_the_page_limit_and_say_they_are_a_lower_bound():
    page = {"Items": [item("aaa", "favorite")], "LastEvaluatedKey": {"k": {"S": "1"}}}
    counts = DynamoSeenEvents(ScriptedQuery([page, page, page]), "dedup", max_pages=2).counts("42", 0)
    assert counts.total() == 2
    assert counts.truncated is True
    assert counts.as_dict()["truncated"] is True


def test_a_table_without_the_index_makes_counts_unknown_and_is_not_asked_again():
    missing = ClientError({"Error": {"Code": "ValidationException", "Message": "no index"}}, "Query")
    client = ScriptedQuery(error=missing)
    seen = DynamoSeenEvents(client, "dedup")
    assert seen.counts("1", 0) is None
    assert seen.counts("2", 0) is None
    assert len(client.requests) == 1
    assert "has no by_user index" in seen.unknown_reason


def test_a_passing_outage_makes_counts_unknown_for_that_call_only():
    down = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "Query")
    client = ScriptedQuery(error=down)
    seen = DynamoSeenEvents(client, "dedup")
    assert seen.counts("1", 0) is None
    assert "could not be read (ProvisionedThroughputExceededException)" in seen.unknown_reason
    client.error, client.pages = None, [{"Items": []}]
    assert seen.counts("1", 0).total() == 0


def test_the_client_is_made_at_the_first_query_not_before():
    made = []
    seen = seen_events(XaaSettings(dedup_table="dedup"), lambda: made.append(1) or ScriptedQuery([{"Items": []}]))
    assert made == []
    seen.counts("1", 0)
    seen.counts("1", 0)
    assert made == [1]
    unknown = seen_events(XaaSettings(), lambda: pytest.fail("no table, no client"))
    assert isinstance(unknown, NoSeenEvents)
    assert unknown.counts("1", 0) is None


# settings -----------------------------------------------------------------------------------------------------


def test_the_defaults_are_aaa_parity_the_self_serve_cap_and_x_documented_auth():
    settings = XaaSettings.from_env({})
    assert settings.default_event_types == event_types.AAA_PARITY
    assert settings.subscription_cap == 1500
    assert settings.public_auth == ("bearer", "oauth2", "oauth1")
    assert settings.private_auth == ("oauth2", "oauth1")
    assert (settings.ownership, settings.directions, settings.grace_hours, settings.count_hours) == (
        "tag",
        "omit",
        48,
        24,
    )


def test_every_setting_is_read_and_validated():
    settings = XaaSettings.from_env(
        {
            "XAA_DEFAULT_EVENT_TYPES": "post.create, dm.received,post.create",
            "XAA_SUBSCRIPTION_CAP": "75000",
            "XAA_TAG_PREFIX": "my-stack",
            "XAA_OWNERSHIP": "both",
            "XAA_PRIVATE_AUTH": "oauth1,oauth2",
            "XAA_PUBLIC_AUTH": "bearer",
            "XAA_DIRECTIONS": "each",
            "XAA_PAGE_SIZE": "50",
            "MIGRATE_GRACE_HOURS": "0",
            "MIGRATE_COUNT_HOURS": "72",
            "DEDUP_TABLE": "t",
            "DEDUP_TTL_HOURS": "96",
        }
    )
    assert settings.default_event_types == ("post.create", "dm.received")
    assert (settings.subscription_cap, settings.tag_prefix, settings.ownership) == (75000, "my-stack", "both")
    assert settings.private_auth == ("oauth1", "oauth2")
    assert settings.public_auth == ("bearer",)
    assert settings.auth_order("dm.received") == ("oauth1", "oauth2")
    assert settings.auth_order("post.create") == ("bearer",)
    assert settings.count_window_hours == 72
    assert settings.tag_for("42") == "my-stack:42"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("XAA_DEFAULT_EVENT_TYPES", "post.created"),
        ("XAA_SUBSCRIPTION_CAP", "0"),
        ("XAA_TAG_PREFIX", "has space"),
        ("XAA_TAG_PREFIX", "x" * 151),
        ("XAA_OWNERSHIP", "anyone"),
        ("XAA_PRIVATE_AUTH", "oauth3"),
        ("XAA_PRIVATE_AUTH", "oauth1,oauth1"),
        ("XAA_DIRECTIONS", "sideways"),
        ("XAA_PAGE_SIZE", "1001"),
        ("MIGRATE_GRACE_HOURS", "-1"),
    ],
)
def test_a_bad_setting_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        XaaSettings.from_env({name: value})
