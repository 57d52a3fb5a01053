"""The objects X's API answers with, as this code uses them."""

from dataclasses import dataclass


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
