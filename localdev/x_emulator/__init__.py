"""An emulator of X's webhook management API, for tests and local runs (never deployed).

    from localdev.x_emulator import XEmulator
    with XEmulator(consumer_secret="cs", users={"2244994945": ("token", "token-secret")}) as emu:
        emu.base_url  # http://127.0.0.1:<port>; point the admin function's X_API_BASE_URL here

It speaks X's v2 (webhooks, replay, Account Activity and X Activity subscriptions) and v1.1 (Enterprise and
Premium Account Activity) protocols, checks bearer tokens and OAuth 1.0a signatures, runs real CRC GETs
against the webhook URL and sends signed deliveries. `python -m localdev.x_emulator --help` runs it alone.
"""

from localdev.x_emulator.emulator import XAA_EVENT_TYPES, XEmulator, is_xaa_event_type
from localdev.x_emulator.errors import ApiError

__all__ = ["XEmulator", "ApiError", "XAA_EVENT_TYPES", "is_xaa_event_type"]
