"""The objects X's API answers with (Webhook) or is asked with (ReplayWindow), as this code uses them."""

from dataclasses import dataclass

# X_API_FLAVOUR's values: X API v2, v1.1 Enterprise, v1.1 Premium (endpoints.py has a table for each). Here,
# not there, so that the connect function's settings read it without loading the HTTP client.
FLAVOURS = ("v2", "enterprise", "premium")


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    valid: bool
    created_at: str | None = None

    @classmethod
    def from_x(cls, document):
        """From v2 ({"id","url","valid","created_at"}) or v1.1 ({..., "created_timestamp"})."""
        if not isinstance(document, dict) or "id" not in document:
            raise ValueError("not a webhook object")
        created = document.get("created_at") or document.get("created_timestamp")
        return cls(
            id=str(document["id"]),
            url=str(document.get("url", "")),
            valid=document.get("valid") is True or str(document.get("valid")).lower() == "true",
            created_at=None if created is None else str(created),
        )

    def as_dict(self):
        return {"id": self.id, "url": self.url, "valid": self.valid, "created_at": self.created_at}


def find_webhook(webhooks, url):
    """The webhook registered for `url` (X keeps URLs unique per app), or None."""
    wanted = url.rstrip("/")
    for webhook in webhooks:
        if webhook.url.rstrip("/") == wanted:
            return webhook
    return None


# X's ids (users, webhooks, XAA subscriptions, replay jobs) are 1 to 19 ASCII digits: `^[0-9]{1,19}$` in X's
# OpenAPI spec. Not str.isdigit(): that takes Unicode digits ('١٢٣', '²', '𝟙'), which are no X id and
# which int() or a URL would read differently.
MAX_ID_DIGITS = 19
_ASCII_DIGITS = frozenset("0123456789")


def is_x_id(value):
    """True when `value` is a str shaped like an X id: 1 to 19 ASCII digits."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_DIGITS and _ASCII_DIGITS.issuperset(value)


# X's replay window: `from_date` and `to_date` as yyyymmddhhmm (UTC), both inclusive (X's document: "the oldest
# (inclusive)" and "the newest (inclusive) UTC timestamp"): the to_date's whole minute is replayed.
X_FORMAT = "%Y%m%d%H%M"


def x_stamp(moment):
    """A UTC datetime as X's yyyymmddhhmm. Not strftime("%Y..."): it writes year 1 as "1", which is no yyyymmddhhmm."""
    return f"{moment.year:04d}{moment:%m%d%H%M}"


@dataclass(frozen=True)
class ReplayWindow:
    from_date: str  # yyyymmddhhmm, UTC, inclusive
    to_date: str  # yyyymmddhhmm, UTC, inclusive: its whole minute is replayed
