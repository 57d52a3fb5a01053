"""The admin actions' inputs.

Inputs are pydantic models: unknown fields are refused (a typo like `form` for `from` must not turn a
replay into something else), ids may be given as JSON numbers or strings, and token fields are
SecretStr so a validation problem cannot echo them. Problems are reported by field name and rule,
never with the value given (see `input_problem`).

Every field is bounded: ids are X's shape (1 to 19 ASCII digits) because they go into URL paths,
free text has a length and no control characters, times have a length (replay_window checks the
rest). Whatever an invocation holds, the answer is a result, never "internal error".
"""

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from xwebhook.admin.errors import BadInput
from xwebhook.x_api.models import is_x_id

# Field names a problem may quote: an unknown field's name is the caller's text, so it is cut short.
MAX_QUOTED_NAME = 40
# XAA event types are dotted lower-case names: post.create, profile.update.bio, chat.conversation_join.
_EVENT_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.")


def _x_id(value):
    """X's ids (user, webhook, XAA subscription) as text. They go into URL paths (/2/webhooks/{id}), so
    nothing but 1 to 19 ASCII digits passes: no Unicode digits, no '..', '/', '%2e', no 64-bit overflow."""
    if isinstance(value, bool):
        raise ValueError("must be an X id (1 to 19 digits 0-9)")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not is_x_id(value.strip()):
        raise ValueError("must be an X id (1 to 19 digits 0-9)")
    return value.strip()


def _plain_text(value):
    """Free text sent to X in a JSON body (tag, keyword): no control characters, no lone surrogates
    (which no UTF-8 encoder, log line or JSON body takes)."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError("must be text without control characters or lone surrogates")
    return value


def _event_type(value):
    parts = value.split(".")
    if not (_EVENT_TYPE_CHARS.issuperset(value) and len(parts) >= 2 and all(parts) and value[:1].isalpha()):
        raise ValueError("must be an XAA event type such as post.create or profile.update.bio")
    return value


def _token_length(name, token):
    if token is not None and not 1 <= len(token.get_secret_value()) <= MAX_TOKEN_LENGTH:
        raise ValueError(f"{name} must be 1 to {MAX_TOKEN_LENGTH} characters")


MAX_TOKEN_LENGTH = 500
NumericId = Annotated[str, BeforeValidator(_x_id)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_plain_text)]  # X: 1 to 200
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_plain_text)]
EventType = Annotated[str, StringConstraints(min_length=3, max_length=100), AfterValidator(_event_type)]


class ActionInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True, frozen=True)


class NoInput(ActionInput):
    """status, ensure, xaa_list: nothing to give."""


class WebhookInput(ActionInput):
    """revalidate, delete, subscriptions: the webhook, by default the one registered for WEBHOOK_URL."""

    webhook_id: NumericId | None = None


class SubscribeInput(WebhookInput):
    """subscribe: the app owner (nothing given), a user of the credentials' `users` map (user_id),
    or any user whose OAuth 1.0a tokens are given (access_token + access_token_secret)."""

    user_id: NumericId | None = None
    access_token: SecretStr | None = None
    access_token_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _tokens_together(self):
        if (self.access_token is None) != (self.access_token_secret is None):
            raise ValueError("access_token and access_token_secret go together")
        _token_length("access_token", self.access_token)
        _token_length("access_token_secret", self.access_token_secret)
        return self


class UnsubscribeInput(WebhookInput):
    user_id: NumericId


class ReplayInput(WebhookInput):
    """replay: `from` (and optionally `to`, default now) as ISO 8601 or yyyymmddhhmm, UTC unless an
    offset is given. `from_date`/`to_date` (X's names) are accepted too."""

    from_time: str = Field(alias="from", validation_alias="from", min_length=1, max_length=64)
    to_time: str | None = Field(default=None, alias="to", validation_alias="to", min_length=1, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _x_names(cls, data):
        if isinstance(data, dict):
            data = dict(data)
            for x_name, name in (("from_date", "from"), ("to_date", "to")):
                if x_name in data and name not in data:
                    data[name] = data.pop(x_name)
        return data


class XaaCreateInput(WebhookInput):
    event_type: EventType
    user_id: NumericId | None = None
    keyword: Keyword | None = None
    tag: Tag | None = None

    @model_validator(mode="after")
    def _one_filter(self):
        if (self.user_id is None) == (self.keyword is None):
            raise ValueError("give exactly one filter: user_id or keyword")
        return self


class XaaUpdateInput(ActionInput):
    subscription_id: NumericId
    tag: Tag | None = None
    webhook_id: NumericId | None = None

    @model_validator(mode="after")
    def _something_to_change(self):
        if self.tag is None and self.webhook_id is None:
            raise ValueError("give tag and/or webhook_id to change")
        return self


class XaaDeleteInput(ActionInput):
    subscription_id: NumericId


def input_problem(exc):
    """A one-line description of a ValidationError: field names and rules, never the values."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "is not valid").removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            name = where if len(where) <= MAX_QUOTED_NAME else where[:MAX_QUOTED_NAME] + "..."
            problems.append(f"unknown field {name!r}")
        elif where:
            problems.append(f"{where}: {message}")
        else:
            problems.append(message)
    return "; ".join(problems) or "invalid input"


def parse_input(model, fields):
    """`model` validated from the invocation's `fields`; BadInput with the problems otherwise."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise BadInput(f"bad input: {input_problem(exc)}") from None
