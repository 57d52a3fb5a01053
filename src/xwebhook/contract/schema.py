"""The message schema file shipped with the package."""

import json
from importlib import resources

SCHEMA_FILE = "message.schema.json"


def load_schema():
    """message.schema.json as a dict (JSON Schema draft 2020-12)."""
    return json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
