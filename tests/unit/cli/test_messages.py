"""A queue message as `tail --json` and the console show it: every number of its body still JSON when written
again. ingest keeps a number beyond a double (1e400) exactly as X wrote it; read as a float it would be
Infinity, which json.dumps writes and no JSON parser (a script's, the console page's JSON.parse) reads."""

import json

import pytest

from xwebhook.cli.messages import parse_json, render, render_tapped

BODY = '{"event": {"id": "33", "n": 1e400, "m": -1e400, "x": 1.5, "big": 123456789012345678901234567890}}'


def strict(text):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_number_beyond_a_double_is_kept_as_written_and_the_rest_as_numbers():
    assert parse_json(BODY)["event"] == {
        "id": "33",
        "n": "1e400",
        "m": "-1e400",
        "x": 1.5,
        "big": 123456789012345678901234567890,
    }


@pytest.mark.parametrize(
    "document",
    [
        render({"MessageId": "m-1", "Body": BODY}),
        render_tapped({"message_id": "m-1", "body": BODY, "sent_timestamp": 1796400000250}),
    ],
    ids=["received", "tapped"],
)
def test_a_message_written_again_is_json_a_strict_parser_reads(document):
    assert strict(json.dumps(document))["body"]["event"]["n"] == "1e400"


def test_what_is_not_json_stays_text():
    assert render({"MessageId": "m-1", "Body": "not json"})["body"] == "not json"


def test_json_refuses_what_parse_json_is_kept_from():
    with pytest.raises(ValueError, match="Infinity is not JSON"):
        strict(json.dumps(json.loads(BODY)))  # the plain reading: what the console page could not parse
