"""Which accounts there are, wherever they are kept today, as one list of AccountView.

Three sources, the first that knows an account wins:
  store   the AccountStore (connect's accounts table): accounts that connected, with their tokens;
  secret  the X credentials secret's app owner and `users` map: how AAA accounts were added before
          connect existed, with OAuth 1.0a tokens (all AAA accounts today);
  x       X's list of AAA subscriptions of our webhook: accounts subscribed by other means (no tokens).
A stored account that is also in the secret gets the secret's OAuth 1.0a tokens when it has none of its
own. Those tokens are never copied into the store: the view holds them (repr-hidden) for this invocation,
and what migrate writes back is the stored Account, without them.
"""

from dataclasses import dataclass, field

from xwebhook.accounts.models import ACTIVE, Account

STORE = "store"
SECRET = "secret"  # noqa: S105 - the name of a source (the credentials secret), not a secret
X_LIST = "x"


@dataclass(frozen=True)
class AccountView:
    account: Account  # as stored; made up (version 0) when the account is not in the store
    source: str  # STORE, SECRET or X_LIST
    secret_tokens: object = field(default=None, repr=False)  # UserTokens from the credentials secret
    aaa_subscribed: bool | None = None  # on X's AAA list of our webhook now (None: not looked at)

    @property
    def user_id(self):
        return self.account.user_id

    @property
    def oauth1(self):
        """OAuth 1.0a user tokens: the account's own, else the secret's (None when neither)."""
        return self.account.oauth1 or self.secret_tokens

    @property
    def oauth2(self):
        return self.account.oauth2

    @property
    def active(self):
        return self.account.status == ACTIVE

    @property
    def stored(self):
        return self.account.version > 0

    def with_account(self, account):
        return AccountView(account, self.source, self.secret_tokens, self.aaa_subscribed)

    def public(self):
        return {**self.account.public(), "source": self.source, "aaa_subscribed_at_x": self.aaa_subscribed}


def _secret_users(credentials):
    users = {}
    if credentials is None:
        return users
    if credentials.owner is not None and credentials.owner.user_id:
        users[credentials.owner.user_id] = credentials.owner
    for user_id, tokens in credentials.users.items():
        users.setdefault(user_id, tokens)
    return users


def gather(store, credentials, aaa_user_ids=None, only=None):
    """Every account known to the store, the secret or X's AAA list (`aaa_user_ids`; None = not listed),
    in user id order; with `only` (user ids), those accounts alone: the store reads just them (a migrate
    wave of 29 accounts reads 29 records, not 500)."""
    secret = _secret_users(credentials)
    aaa = None if aaa_user_ids is None else set(aaa_user_ids)
    if only is not None:
        wanted = set(only)
        secret = {user_id: tokens for user_id, tokens in secret.items() if user_id in wanted}
        aaa = None if aaa is None else aaa & wanted
    views = {}
    stored = () if store is None else store.all() if only is None else store.get_many(sorted(set(only)))
    for account in stored:
        views[account.user_id] = AccountView(account, STORE, secret.get(account.user_id))
    for user_id, tokens in secret.items():
        if user_id not in views:
            views[user_id] = AccountView(Account(user_id, aaa=True), SECRET, tokens)
    for user_id in sorted(aaa or ()):
        if user_id not in views:
            views[user_id] = AccountView(Account(user_id, aaa=True, aaa_subscribed=True), X_LIST)
    ordered = []
    for user_id in sorted(views, key=lambda uid: (len(uid), uid)):
        view = views[user_id]
        subscribed = None if aaa_user_ids is None else user_id in aaa
        ordered.append(AccountView(view.account, view.source, view.secret_tokens, subscribed))
    return ordered
