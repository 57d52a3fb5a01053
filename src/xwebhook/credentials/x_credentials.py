"""X credentials (the app's keys and tokens), read from Secrets Manager through the extension and cached.

Two secrets (the template lets only the admin and connect functions read the second):
- the consumer secret (CONSUMER_SECRET_ID), shared with crc and ingest: a bare string or
  {"consumer_secret": "..."};
- the X credentials (X_CREDENTIALS_SECRET_ID), JSON:
  {"consumer_key", "bearer_token", "access_token", "access_token_secret",
   "owner_user_id" (optional), "users": {"<user_id>": {"access_token", "access_token_secret"}} (optional),
   "oauth2_client_id", "oauth2_client_secret" (optional: the app's OAuth 2.0 client, for connecting
   accounts with OAuth 2.0 and refreshing their tokens)}

The app owner's user id: X access tokens are "<user id>-<random>", so it is read from the token's
prefix unless the secret names it in `owner_user_id` (which wins). Subscriptions are per user, and
`ensure` needs the id to tell whether the owner is subscribed.

Values never appear in reprs, messages or results: every field holding one is repr=False, and every
error names the key that is missing, never what is there.
"""

import time
from dataclasses import dataclass, field

from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.consumer_secret import consumer_secret_from_value
from xwebhook.credentials.extension import SecretUnavailable, fetch_secret_string, parse_json
from xwebhook.errors import ReportedError
from xwebhook.x_api.models import is_x_id
from xwebhook.x_api.tokens import UserTokens


class CredentialsError(ReportedError):
    """A secret could not be read, or lacks a value an endpoint needs. The message names keys, never values."""


class MissingCredential(CredentialsError):
    """The secret was read but has no value for a key this call needs: the operator has not set it yet."""


def user_id_from_access_token(access_token):
    """The user id an X access token belongs to ("12345-abc..." -> "12345"), or None."""
    prefix, dash, _ = (access_token or "").partition("-")
    return prefix if dash and is_x_id(prefix) else None


@dataclass(frozen=True)
class XCredentials:
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    bearer_token: str = field(repr=False)
    owner: UserTokens | None = None
    users: dict = field(default_factory=dict)  # user id -> UserTokens
    oauth2_client_id: str = field(default="", repr=False)
    oauth2_client_secret: str = field(default="", repr=False)

    def require(self, name):
        """The value of `name`, or CredentialsError naming the key (not the value)."""
        value = getattr(self, name)
        if not value:
            where = "the consumer secret" if name == "consumer_secret" else "the X credentials secret"
            raise MissingCredential(f"{where} has no {name}; it is needed for this call")
        return value

    def owner_tokens(self):
        if self.owner is None:
            raise CredentialsError(
                "the X credentials secret has no access_token/access_token_secret (the app owner's tokens)"
            )
        return self.owner

    def user_tokens(self, user_id):
        """Tokens of `user_id`: the owner's or an entry of `users`."""
        if self.owner is not None and self.owner.user_id == user_id:
            return self.owner
        tokens = self.users.get(user_id)
        if tokens is None:
            raise CredentialsError(
                f"no tokens for user {user_id}: add it to the X credentials secret's users map, "
                "or pass access_token and access_token_secret"
            )
        return tokens

    def configured_user_ids(self):
        """The users `ensure` keeps subscribed: the app owner, then each user of the `users` map."""
        ids = []
        if self.owner is not None and self.owner.user_id:
            ids.append(self.owner.user_id)
        ids.extend(user_id for user_id in self.users if user_id not in ids)
        return ids


def _string(document, key, required=False):
    value = document.get(key)
    if value is None or value == "":
        if required:
            raise CredentialsError(f"the X credentials secret has no {key}")
        return ""
    if not isinstance(value, str):
        raise CredentialsError(f"the X credentials secret's {key} must be a string")
    return value.strip()


def parse_credentials(text, consumer_secret):
    """XCredentials from the credentials secret's JSON text and the consumer secret (str)."""
    try:
        document = parse_json(text.strip())
    except ValueError:
        raise CredentialsError("the X credentials secret is not valid JSON") from None
    if not isinstance(document, dict):
        raise CredentialsError("the X credentials secret must be a JSON object")
    owner = None
    access_token = _string(document, "access_token")
    access_token_secret = _string(document, "access_token_secret")
    if access_token or access_token_secret:
        if not (access_token and access_token_secret):
            raise CredentialsError("the X credentials secret needs both access_token and access_token_secret")
        owner_id = _string(document, "owner_user_id")
        if owner_id and not is_x_id(owner_id):
            raise CredentialsError("the X credentials secret's owner_user_id must be an X user id (1 to 19 digits 0-9)")
        owner_id = owner_id or user_id_from_access_token(access_token)
        owner = UserTokens(owner_id or None, access_token, access_token_secret)
    users = {}
    raw_users = document.get("users")
    raw_users = {} if raw_users is None else raw_users
    if not isinstance(raw_users, dict):
        raise CredentialsError("the X credentials secret's users must be an object of user id -> tokens")
    for user_id, tokens in raw_users.items():
        if not is_x_id(user_id):
            raise CredentialsError("the X credentials secret's users keys must be X user ids (1 to 19 digits 0-9)")
        if not isinstance(tokens, dict):
            raise CredentialsError(f"users.{user_id} must hold access_token and access_token_secret")
        token = _string(tokens, "access_token")
        secret = _string(tokens, "access_token_secret")
        if not (token and secret):
            raise CredentialsError(f"users.{user_id} must hold access_token and access_token_secret")
        users[user_id] = UserTokens(user_id, token, secret)
    return XCredentials(
        consumer_key=_string(document, "consumer_key"),
        consumer_secret=consumer_secret,
        bearer_token=_string(document, "bearer_token"),
        owner=owner,
        users=users,
        oauth2_client_id=_string(document, "oauth2_client_id"),
        oauth2_client_secret=_string(document, "oauth2_client_secret"),
    )


class CredentialSource:
    """Reads both secrets on first use and keeps them for `ttl_seconds` (a warm container reuses them).

    Read lazily, not at import: the extension only answers once the function's init is over. The
    caching is xwebhook.credentials.cache.CachedSecret's: nothing failed or half-read is kept.
    """

    def __init__(self, fetch_credentials, fetch_consumer_secret, ttl_seconds=300, clock=time.monotonic):
        def read_both():
            try:
                consumer_secret = consumer_secret_from_value(fetch_consumer_secret()).decode()
            except SecretUnavailable as exc:
                raise CredentialsError(f"cannot read the consumer secret: {exc}") from None
            try:
                text = fetch_credentials()
            except SecretUnavailable as exc:
                raise CredentialsError(f"cannot read the X credentials secret: {exc}") from None
            return parse_credentials(text, consumer_secret)

        self._cache = CachedSecret(read_both, ttl_seconds, clock, parse=lambda credentials: credentials)

    def get(self):
        return self._cache.get()


def credential_source(settings):
    """The CredentialSource described by AdminSettings, reading through the secrets extension."""
    secret = settings.secret

    def fetch_credentials():
        return fetch_secret_string(settings.credentials_secret_id, secret.extension_port, secret.session_token)

    def fetch_consumer_secret():
        return fetch_secret_string(secret.secret_id, secret.extension_port, secret.session_token)

    return CredentialSource(fetch_credentials, fetch_consumer_secret, secret.cache_seconds)
