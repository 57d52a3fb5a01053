"""The token sets X issues to users, as x_api signs calls with them and the layers above keep them.

  OAuth1Tokens  OAuth 1.0a user context: an access token and its secret; they do not expire
  OAuth2Tokens  OAuth 2.0 user tokens: X rotates the refresh token at every refresh (single use)
  UserTokens    OAuth 1.0a tokens with the user they belong to (the credentials secret's, or an account's)

Here, in the lowest layer that signs with them, so that x_api needs nothing above it: accounts keeps
OAuth1Tokens/OAuth2Tokens on an Account, credentials reads UserTokens from its secret. Values never appear
in a repr (repr=False), an error or a result.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OAuth1Tokens:
    """OAuth 1.0a user context: these do not expire; the owner revokes them."""

    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)


@dataclass(frozen=True)
class OAuth2Tokens:
    """OAuth 2.0 user tokens. X rotates the refresh token at every refresh: it is single use."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float = 0.0  # epoch seconds; access tokens live 2 h
    scopes: tuple = ()

    def expires_within(self, seconds, now):
        return self.expires_at - now <= seconds


@dataclass(frozen=True)
class UserTokens:
    """OAuth 1.0a access token of one user (user context)."""

    user_id: str | None
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)

    @classmethod
    def of(cls, user_id, tokens):
        """The UserTokens of `user_id` from its OAuth1Tokens."""
        return cls(user_id, tokens.access_token, tokens.access_token_secret)
