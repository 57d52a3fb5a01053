"""What SQS accepts, written from its documentation, for tests to check messages against."""

import re

# SendMessage: "A message can include only XML, JSON, and unformatted text. The following Unicode
# characters are allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF."
_REFUSED = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# MessageGroupId / MessageDeduplicationId: 1-128 alphanumeric or punctuation characters.
_FIFO_ID = re.compile(r"[!-~]{1,128}")


def sqs_accepts_text(text):
    return _REFUSED.search(text) is None


def sqs_accepts_fifo_id(text):
    return _FIFO_ID.fullmatch(text) is not None


def assert_entry_acceptable(entry):
    assert sqs_accepts_text(entry["MessageBody"]), "body has characters SQS refuses"
    entry["MessageBody"].encode("utf-8")
    for name, attribute in entry["MessageAttributes"].items():
        assert attribute["StringValue"], name
        assert sqs_accepts_text(attribute["StringValue"]), name
    for field in ("MessageGroupId", "MessageDeduplicationId"):
        if field in entry:
            assert sqs_accepts_fifo_id(entry[field]), field
