"""The admin actions' inputs.

Inputs are pydantic models: unknown fields are refused (a typo like `form` for `from` must not turn a
replay into something else), ids may be given as JSON numbers or strings, and token fields are
SecretStr so a validation problem cannot echo them. Problems are reported by field name and rule,
never with the value given (see `input_problem`).
"""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError, model_validator

from xwebhook.admin.errors import BadInput


def _numeric_id(value):
    if isinstance(value, bool):
        raise ValueError("must be a numeric id")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value.strip().isdigit():
        raise ValueError("must be a numeric id (digits only)")
    return value.strip()


def _plain_id(value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty id")
    return value.strip()


NumericId = Annotated[str, BeforeValidator(_numeric_id)]
PlainId = Annotated[str, BeforeValidator(_plain_id)]


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
        return self


class UnsubscribeInput(WebhookInput):
    user_id: NumericId


class ReplayInput(WebhookInput):
    """replay: `from` (and optionally `to`, default now) as ISO 8601 or yyyymmddhhmm, UTC unless an
    offset is given. `from_date`/`to_date` (X's names) are accepted too."""

    from_time: str = Field(alias="from", validation_alias="from", min_length=1)
    to_time: str | None = Field(default=None, alias="to", validation_alias="to", min_length=1)

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
    event_type: str = Field(min_length=1, max_length=100)
    user_id: NumericId | None = None
    keyword: str | None = Field(default=None, min_length=1, max_length=500)
    tag: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_filter(self):
        if (self.user_id is None) == (self.keyword is None):
            raise ValueError("give exactly one filter: user_id or keyword")
        return self


class XaaUpdateInput(ActionInput):
    subscription_id: PlainId
    tag: str | None = Field(default=None, max_length=200)
    webhook_id: NumericId | None = None

    @model_validator(mode="after")
    def _something_to_change(self):
        if self.tag is None and self.webhook_id is None:
            raise ValueError("give tag and/or webhook_id to change")
        return self


class XaaDeleteInput(ActionInput):
    subscription_id: PlainId


def input_problem(exc):
    """A one-line description of a ValidationError: field names and rules, never the values."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "is not valid").removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            problems.append(f"unknown field {where!r}")
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
