"""Typed readers of environment variables, shared by every function's settings, and ConfigError.

No imports and plain functions on purpose: dataclasses, typing and pydantic each cost 10-40 ms at
import on a cold start, and the crc function's cold start is what X's CRC deadline sees
(bench/cold.py). Every reader raises ConfigError naming the variable, never its value's secret.
"""


class ConfigError(ValueError):
    """A setting is missing or out of range. The message names the variable, never a secret."""


# Typed readers of one variable each, shared by every function's settings.


def text(env, name, default=None):
    """The stripped value; `default` when unset (None: the variable is required)."""
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigError(f"{name} must be set")
    return default


def number(env, name, default, lowest, highest, kind=int):
    """An int (or float, with kind=float) within [lowest, highest]; `default` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    if not lowest <= value <= highest:
        raise ConfigError(f"{name} must be between {lowest} and {highest}, got {raw}")
    return value


def choice(env, name, choices, default):
    """One of `choices` (read in lower case); `default` when unset."""
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def flag(env, name, default):
    """true/1/yes/on or false/0/no/off; `default` when unset."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def http_url(env, name, default=None, schemes=("https", "http")):
    """An absolute URL with one of `schemes` and a host; `default` when unset (None: required)."""
    from urllib.parse import urlsplit  # not on the crc path: only admin and connect read URLs

    value = env.get(name, "").strip() or default
    if not value:
        raise ConfigError(f"{name} must be set")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        kind = "an http(s)" if set(schemes) == {"https", "http"} else "an " + "/".join(schemes)
        raise ConfigError(f"{name} must be {kind} URL, got {value!r}")
    return value


LOOPBACK_RULE = "https, or http only to a loopback host (localhost, 127.0.0.0/8, ::1)"


def _is_loopback(host):
    import ipaddress

    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials_url(env, name, default=None, why="credentials travel in its requests"):
    """An absolute URL that credentials may be sent to: https, or http only to a loopback host (a local
    emulator on this machine, where nothing travels over a network). ConfigError names the rule and `why`."""
    from urllib.parse import urlsplit

    value = http_url(env, name, default)
    parts = urlsplit(value)
    if parts.scheme == "https":
        return value
    try:
        host = (parts.hostname or "").lower()
    except ValueError:
        host = ""
    if not _is_loopback(host):
        raise ConfigError(f"{name} must be {LOOPBACK_RULE}: {why}, got {value!r}")
    return value
