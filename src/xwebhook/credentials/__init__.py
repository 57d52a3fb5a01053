"""Secrets and credentials, read through the AWS Parameters and Secrets Lambda Extension and cached.

  extension        the extension's HTTP client on `_socket`/`_json` (cheap on the crc cold path)
  cache            CachedSecret: a fetched, parsed value held for a while; failures never cached
  consumer_secret  SecretSettings and the app's consumer secret (crc, ingest, admin)
  x_credentials    the app's keys and tokens for X's API (admin, connect)
  signing_key      the key invites and sign-in cookies are signed with (admin, connect)

No imports here: the crc function pays for every module it loads.
"""
