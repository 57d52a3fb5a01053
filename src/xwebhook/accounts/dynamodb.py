"""The accounts table (DynamoDB, encrypted with the stack's KMS key): accounts, invites, sign-ins in progress.

One table, one string key `pk`, a prefix per kind of item:
  account#<user id>   an Account (tokens in nested maps), `version` for optimistic concurrency, and
                      `refresh_claim_until` while one refresher holds the right to spend its refresh token
  invite#<invite id>  an Invite; `expires_at` is also the table's TTL attribute
  signin#<sha256>     a sign-in in progress (connect/dynamodb.py), TTL'd after 10 minutes

Every write that could lose someone else's change is conditional, and each condition says why below.
A failed condition becomes the port's domain error (StaleAccount, StaleRefreshToken, InviteUsedUp);
anything else DynamoDB answers, or no answer at all, becomes AccountsUnavailable naming the operation.
Only the connect and admin functions may touch the table (the template's roles).
"""

import time
from dataclasses import fields

from xwebhook.accounts.invites import Invite, InviteStore
from xwebhook.accounts.models import Account
from xwebhook.accounts.store import (
    AccountStore,
    AccountsUnavailable,
    InviteUsedUp,
    StaleAccount,
    StaleRefreshToken,
)
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens

ACCOUNT = "account#"
BATCH_GET = 100  # keys per BatchGetItem (DynamoDB's most)
# Items a Scan page reads. DynamoDB's own page (1 MB, ~270 migrated accounts of ~3.7 KB) took moto's local
# server 5.5 s, past the client's 5 s read timeout, with 500 accounts; 100 a page is 1.7 s there and a
# few more 20 ms calls on AWS.
SCAN_PAGE = 100
BATCH_ROUNDS = 5  # BatchGetItem calls for one batch while DynamoDB leaves keys unprocessed
INVITE = "invite#"
CONDITION_FAILED = "ConditionalCheckFailedException"


def dynamodb_client():
    """The DynamoDB client of the connect and admin functions, made at init (where Lambda's environment and
    CPU boost are) rather than on the first request: xwebhook.aws's botocore client (not boto3's: boto3 adds
    ~60 modules that a DynamoDB client never uses, on the cold start of a page a browser waits for,
    bench/connect_cold.py) with TABLE_CALLS' quick attempts. The endpoint, region and credentials come from
    the environment, as for every other client here."""
    from xwebhook.aws import TABLE_CALLS, client

    return client("dynamodb", TABLE_CALLS)


# --- DynamoDB's attribute values ----------------------------------------------------------------------


def to_attribute(value):
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {str(key): to_attribute(item) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attribute(item) for item in value]}
    raise TypeError(f"cannot store a {type(value).__name__}")


def from_attribute(attribute):
    (kind, value), *_ = attribute.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        return float(value) if any(c in value for c in ".eE") else int(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: from_attribute(item) for key, item in value.items()}
    if kind == "L":
        return [from_attribute(item) for item in value]
    if kind == "SS":
        return sorted(value)
    raise TypeError(f"unexpected DynamoDB attribute type {kind}")


def to_item(document):
    """A DynamoDB item from a flat dict; None values are left out (absent, not NULL)."""
    return {key: to_attribute(value) for key, value in document.items() if value is not None}


def from_item(item):
    return {key: from_attribute(value) for key, value in item.items()}


# --- the table ------------------------------------------------------------------------------------------


class Table:
    """One DynamoDB table through the low-level client, with failures as AccountsUnavailable.
    `what` names it in those messages ("the accounts table", "the dedup table")."""

    def __init__(self, name, client=None, what="the accounts table"):
        self.name = name
        self.what = what
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    def call(self, operation, conditional=(), **arguments):
        """client.<operation>(TableName=..., **arguments). A failed condition raises the first of
        `conditional` (an exception class), anything else AccountsUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        if operation not in ("transact_write_items", "batch_get_item"):  # these name their tables inside
            arguments["TableName"] = self.name
        try:
            return getattr(self.client, operation)(**arguments)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == CONDITION_FAILED and conditional:
                raise conditional[0](f"{operation} on {self.name}: a condition no longer holds") from None
            if code == "TransactionCanceledException":
                raise  # the caller reads the reasons
            raise AccountsUnavailable(f"{self.what} refused {operation} ({code or 'error'})", code) from None
        except BotoCoreError as exc:
            raise AccountsUnavailable(
                f"{self.what} could not be reached for {operation} ({exc.__class__.__name__})"
            ) from None


# --- accounts -------------------------------------------------------------------------------------------

_ACCOUNT_FIELDS = {f.name: f for f in fields(Account)}
_TUPLE_FIELDS = {f.name for f in fields(Account) if f.default == ()}


def account_item(account, version):
    document = {"pk": ACCOUNT + account.user_id}
    for name in _ACCOUNT_FIELDS:
        value = getattr(account, name)
        if name == "oauth1" and value is not None:
            value = {"access_token": value.access_token, "access_token_secret": value.access_token_secret}
        elif name == "oauth2" and value is not None:
            value = {
                "access_token": value.access_token,
                "refresh_token": value.refresh_token,
                "expires_at": float(value.expires_at),
                "scopes": list(value.scopes),
            }
            value = {key: item for key, item in value.items() if item is not None}
        document[name] = value
    document["version"] = version
    return to_item(document)


def account_from_item(item):
    document = from_item(item)
    values = {name: document[name] for name in _ACCOUNT_FIELDS if name in document}
    if isinstance(values.get("oauth1"), dict):
        values["oauth1"] = OAuth1Tokens(**values["oauth1"])
    if isinstance(values.get("oauth2"), dict):
        tokens = values["oauth2"]
        values["oauth2"] = OAuth2Tokens(
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token"),
            expires_at=float(tokens.get("expires_at", 0)),
            scopes=tuple(tokens.get("scopes", ())),
        )
    for name in _TUPLE_FIELDS & set(values):
        values[name] = tuple(values[name])
    return Account(**values)


def _key(prefix, identifier):
    return {"pk": {"S": prefix + identifier}}


class DynamoAccountStore(AccountStore):
    def __init__(self, table, clock=time.time):
        self._table = table
        self._clock = clock

    def get(self, user_id):
        found = self._table.call("get_item", Key=_key(ACCOUNT, user_id), ConsistentRead=True).get("Item")
        return account_from_item(found) if found else None

    def all(self):
        accounts, start = [], None
        while True:
            page = {"ExclusiveStartKey": start} if start else {}
            answer = self._table.call(
                "scan",
                FilterExpression="begins_with(pk, :prefix)",
                ExpressionAttributeValues={":prefix": {"S": ACCOUNT}},
                ConsistentRead=True,
                Limit=SCAN_PAGE,
                **page,
            )
            accounts.extend(account_from_item(item) for item in answer.get("Items", []))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return sorted(accounts, key=lambda account: account.user_id)

    def get_many(self, user_ids):
        """BatchGetItem, 100 keys a call (DynamoDB's most), consistent reads, unprocessed keys asked again."""
        wanted = list(dict.fromkeys(user_ids))
        found = []
        for start in range(0, len(wanted), BATCH_GET):
            request = {
                self._table.name: {
                    "Keys": [_key(ACCOUNT, user_id) for user_id in wanted[start : start + BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            for _ in range(BATCH_ROUNDS):
                answer = self._table.call("batch_get_item", RequestItems=request)
                found.extend(account_from_item(item) for item in answer.get("Responses", {}).get(self._table.name, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise AccountsUnavailable("the accounts table left keys unprocessed after retries (batch_get_item)")
        return sorted(found, key=lambda account: account.user_id)

    def _put_request(self, account):
        request = {"TableName": self._table.name, "Item": account_item(account, account.version + 1)}
        if account.version == 0:
            # A new account: two sign-ins of the same X account racing must not both create it (the
            # second would silently replace the first one's tokens and subscriptions).
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            # Optimistic concurrency: whoever read version n may write n+1 only if nobody wrote since
            # (a refresh, a revoke, another ensure); otherwise they re-read, rather than undo that change.
            request["ConditionExpression"] = "version = :read"
            request["ExpressionAttributeValues"] = {":read": {"N": str(account.version)}}
        return request

    def put(self, account, use_invite=None):
        request = self._put_request(account)
        if use_invite is None:
            request.pop("TableName")
            self._table.call("put_item", (StaleAccount,), **request)
            return account.with_changes(version=account.version + 1)
        spend = {
            "TableName": self._table.name,
            "Key": _key(INVITE, use_invite),
            "UpdateExpression": "SET used = used + :one",
            # The invite must still exist, be unexpired and have a use left *at the write*: two owners
            # finishing their sign-ins at once with the last use must not both get in.
            "ConditionExpression": "attribute_exists(pk) AND used < uses AND expires_at > :now",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":now": {"N": repr(float(self._clock()))}},
        }
        from botocore.exceptions import ClientError

        try:
            self._table.call("transact_write_items", TransactItems=[{"Put": request}, {"Update": spend}])
        except ClientError as exc:  # TransactionCanceledException: which condition failed says why
            reasons = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
            if len(reasons) == 2 and reasons[1] == "ConditionalCheckFailed":
                raise InviteUsedUp(f"invite {use_invite} has no use left") from None
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleAccount(f"account {account.user_id} changed since it was read") from None
            raise AccountsUnavailable("the accounts table refused transact_write_items (cancelled)") from None
        return account.with_changes(version=account.version + 1)

    def claim_refresh(self, user_id, refresh_token, now, seconds):
        try:
            self._table.call(
                "update_item",
                (StaleRefreshToken,),
                Key=_key(ACCOUNT, user_id),
                UpdateExpression="SET refresh_claim_until = :until",
                # Only the holder of the stored refresh token may claim it, and only when no one else holds
                # an unexpired claim: X's refresh tokens are single use (⚠ reusing a spent one may kill the
                # chain), so a second refresher must wait for the first's result instead of spending it too.
                # A claimer that crashed loses it after `seconds`.
                ConditionExpression=(
                    "oauth2.refresh_token = :token AND "
                    "(attribute_not_exists(refresh_claim_until) OR refresh_claim_until < :now)"
                ),
                ExpressionAttributeValues={
                    ":token": {"S": refresh_token},
                    ":now": {"N": repr(float(now))},
                    ":until": {"N": repr(float(now + seconds))},
                },
            )
        except StaleRefreshToken:
            return False
        return True

    def replace_oauth2(self, user_id, spent_refresh_token, tokens):
        new_tokens = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": float(tokens.expires_at),
            "scopes": list(tokens.scopes),
        }
        answer = self._table.call(
            "update_item",
            (StaleRefreshToken,),
            Key=_key(ACCOUNT, user_id),
            UpdateExpression="SET oauth2 = :tokens, version = version + :one REMOVE refresh_claim_until",
            # X rotates refresh tokens and each is single use: the pair may only replace the one whose
            # refresh token was spent to get it. A slower concurrent refresh (it spent the same token and
            # X answered it with a pair that is already dead, or it lost the race to store) must not
            # overwrite the newest pair: it gets StaleRefreshToken and re-reads.
            ConditionExpression="oauth2.refresh_token = :spent",
            ExpressionAttributeValues={
                ":tokens": to_attribute({k: v for k, v in new_tokens.items() if v is not None}),
                ":one": {"N": "1"},
                ":spent": {"S": spent_refresh_token},
            },
            ReturnValues="ALL_NEW",
        )
        return account_from_item(answer["Attributes"])

    def delete(self, user_id):
        self._table.call("delete_item", Key=_key(ACCOUNT, user_id))


# --- invites --------------------------------------------------------------------------------------------


def invite_item(invite):
    document = {"pk": INVITE + invite.invite_id}
    for f in fields(Invite):
        value = getattr(invite, f.name)
        document[f.name] = list(value) if isinstance(value, tuple) else value
    return to_item(document)


def invite_from_item(item):
    document = from_item(item)
    values = {f.name: document[f.name] for f in fields(Invite) if f.name in document}
    for name in ("flows", "event_types"):
        if name in values:
            values[name] = tuple(values[name])
    for name in ("expires_at", "created_at"):
        if name in values:
            values[name] = float(values[name])
    return Invite(**values)


class DynamoInviteStore(InviteStore):
    def __init__(self, table):
        self._table = table

    def get(self, invite_id):
        found = self._table.call("get_item", Key=_key(INVITE, invite_id), ConsistentRead=True).get("Item")
        return invite_from_item(found) if found else None

    def put(self, invite):
        # No condition: ids are random (a collision is 2^-128), and a reconnect invite is renewed in place.
        self._table.call("put_item", Item=invite_item(invite))

    def delete(self, invite_id):
        self._table.call("delete_item", Key=_key(INVITE, invite_id))
