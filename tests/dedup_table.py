"""The dedup table as the template provisions it (infra/template.yaml DedupTable) and its items as ingest
writes them (receive/dedup.py), on a DynamoDB endpoint: for the tests of what the admin function reads
from it (the events seen per account, the revoke signals)."""

import itertools

from localdev.provision import load_template

_names = itertools.count(1)
TTL_SECONDS = 30 * 3600  # the template's DedupTtlHours default


def create_dedup_table(client, indexes=True):
    """A fresh table with the template's key and, with `indexes`, the template's by_user and signals
    indexes (without: a table made before they were added). Returns its name."""
    table = load_template()["Resources"]["DedupTable"]["Properties"]
    name = f"dedup-{next(_names)}"
    if indexes:
        options = {"AttributeDefinitions": table["AttributeDefinitions"]}
        options["GlobalSecondaryIndexes"] = table["GlobalSecondaryIndexes"]
    else:
        keys = {key["AttributeName"] for key in table["KeySchema"]}
        options = {"AttributeDefinitions": [a for a in table["AttributeDefinitions"] if a["AttributeName"] in keys]}
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=table["KeySchema"], **options)
    return name


def dedup_item(event_id, received_at, revoked_by=None, source="xaa", event_type="oauth.revoke", for_user_id=None):
    """An item as ingest writes it: `for_user_id` puts it in the by_user index, `revoked_by` (the user who
    revoked the app) in the signals index."""
    item = {
        "event_id": {"S": event_id},
        "expires_at": {"N": str(received_at + TTL_SECONDS)},
        "source": {"S": source},
        "event_type": {"S": event_type},
        "received_at": {"N": str(received_at)},
    }
    if for_user_id is not None:
        item["for_user_id"] = {"S": for_user_id}
    if revoked_by:
        item |= {"signal": {"S": "revoke"}, "signal_user_id": {"S": revoked_by}}
    return item
