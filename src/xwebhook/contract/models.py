"""pydantic models of a queue message: the contract of message.schema.json, typed for Python consumers.

    from xwebhook.contract import parse_message
    message = parse_message(sqs_record_body)      # AaaMessage | XaaMessage, by `source`
    if message.synthetic:                         # a test delivery (xwebhook doctor), not from X: skip it
        pass
    elif message.source == "xaa" and message.event_type == "post.create":
        text = message.event.payload["text"]

Where the two differ, on purpose: the schema is exact (a field it does not list is an error, so the
producer's tests catch an undocumented field), while these models ignore fields they do not know, so a
consumer built on them keeps working when a later receiver adds one. Ids are strings of any form:
compare them, never parse them.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
RECEIVED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")


class InvalidMessage(ValueError):
    """A body that is not a message of this contract. The text names the fields, never their values
    (a message may hold a direct message's text)."""

    def __init__(self, errors):
        self.errors = errors
        problems = "; ".join(_problem(error) for error in errors)
        super().__init__(f"not an xwebhook message: {problems}")


def _problem(error):
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):  # the discriminator
        return "source: must be aaa or xaa"
    return f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"


class _Common(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: NonEmpty = Field(description="stable id from X's own ids; a retried or replayed copy has the same one")
    activity_id: NonEmpty = Field(description="shared by an activity's AAA and XAA copies (the dedup key)")
    event_type: NonEmpty = Field(description="favorite, tweet_create, post.create, dm.received, ... (an open set)")
    for_user_id: NonEmpty | None = Field(description="the subscribed account the event is for, or None")
    received_at: datetime = Field(description="when the receiver accepted the delivery (UTC)")
    synthetic: StrictBool = Field(
        default=False,
        description="True only for a synthetic delivery's message (xwebhook doctor's): not from X, skip it",
    )

    @field_validator("received_at", mode="before")
    @classmethod
    def _utc_iso_8601(cls, value):
        if not isinstance(value, str) or not RECEIVED_AT.fullmatch(value):
            raise ValueError("must be UTC ISO 8601 text ending in Z, such as 2026-11-28T03:20:00.500Z")
        return value

    # Optional fields are absent or hold a value, never null (as the schema says).
    @field_validator("user_has_blocked", mode="before", check_fields=False)
    @classmethod
    def _absent_rather_than_null(cls, value):
        if value is None:
            raise ValueError("may be absent, not null")
        return value


class AaaMessage(_Common):
    """An Account Activity API event (v1.1 or v2)."""

    source: Literal["aaa"]
    event: Any = Field(description="the original item of the delivery's *_events list, untouched")
    users: dict[str, dict[str, Any]] = Field(default_factory=dict, description="the users the event refers to")
    apps: dict[str, dict[str, Any]] = Field(default_factory=dict, description="the apps the event refers to")
    user_has_blocked: str | bool | None = Field(default=None, description='copied from the delivery ("true"/"false")')


class XaaFilter(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    user_id: str | None = None
    keyword: str | None = None


class XaaEnvelope(BaseModel):
    """X Activity API's `data` object, untouched: the fields X documents, typed; any others kept as extras."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event_uuid: NonEmpty | None = None
    event_type: NonEmpty | None = None
    filter: XaaFilter | None = None
    tag: str | None = None
    payload: dict[str, Any] | None = None
    includes: dict[str, Any] | None = None


class XaaMessage(_Common):
    """An X Activity API event."""

    source: Literal["xaa"]
    event: XaaEnvelope = Field(description="the delivery's whole data envelope")


Message = Annotated[AaaMessage | XaaMessage, Field(discriminator="source")]
_MESSAGE = TypeAdapter(Message)


def parse_message(body):
    """The message in `body` (JSON text or bytes, as an SQS record carries it): AaaMessage or XaaMessage.

    Raises InvalidMessage, which names what is wrong without quoting the message.
    """
    try:
        return _MESSAGE.validate_json(body)
    except ValidationError as exc:
        raise InvalidMessage(exc.errors(include_url=False, include_input=False, include_context=False)) from None
