"""The control plane's XAA part under /_emulator/ (JSON, no auth), for `make run` and tests over HTTP.

POST /_emulator/activity      {"kind", "for_user_id", "order"?: "aaa_first"|"xaa_first", ...details}
                              -> {"deliveries": [{"family", "webhook_id", "status", "event_type", ...}]}
POST /_emulator/oauth2_tokens {"user_id", "access_token", "scopes"?: [...], "expires_in"?: s} -> {"ok": true}
POST /_emulator/xaa           any of {"page_size", "shape", "token_at", "total_at", "oauth1",
                              "bearer_private", "duplicate", "duplicate_id", "cap", "delete_unknown",
                              "broadcast_chat_scope", "subscription_limit", "rate_limits": {bucket: n},
                              "enforce_rate_limits"} -> the XAA settings now in force (xaa.py: each reading)
"""

from localdev.x_emulator import activity, xaa
from localdev.x_emulator.control import _bad, _body
from localdev.x_emulator.routing import Response, RouteTable

ROUTES = RouteTable("control")
route = ROUTES.route
C = "/_emulator"

SWITCHES = {
    "page_size": ("xaa_page_size", lambda v: isinstance(v, int) and 1 <= v <= 1000),
    "shape": ("xaa_shape", lambda v: v in xaa.SHAPES),
    "token_at": ("xaa_token_at", lambda v: v in xaa.TOKEN_PLACES),
    "total_at": ("xaa_total_at", lambda v: v in xaa.TOTAL_PLACES),
    "oauth1": ("xaa_oauth1", lambda v: isinstance(v, bool)),
    "bearer_private": ("xaa_bearer_private", lambda v: isinstance(v, bool)),
    "duplicate": ("xaa_duplicate", lambda v: v in xaa.DUPLICATE_READINGS),
    "duplicate_id": ("xaa_duplicate_id", lambda v: isinstance(v, bool)),
    "cap": ("xaa_cap", lambda v: v in xaa.CAP_READINGS),
    "delete_unknown": ("xaa_delete_unknown", lambda v: v in xaa.DELETE_UNKNOWN_READINGS),
    "broadcast_chat_scope": ("xaa_broadcast_chat_scope", lambda v: v in xaa.BROADCAST_CHAT_SCOPES),
    "subscription_limit": ("xaa_subscription_limit", lambda v: isinstance(v, int) and v >= 0),
    "enforce_rate_limits": ("enforce_rate_limits", lambda v: isinstance(v, bool)),
    "rate_limits": ("rate_limits", lambda v: isinstance(v, dict) and all(isinstance(n, int) for n in v.values())),
}


def settings(emu):
    return {name: getattr(emu, attribute) for name, (attribute, _) in SWITCHES.items()}


@route("POST", C + "/activity")
def post_activity(emu, request):
    body = _body(request)
    kind, user_id = body.pop("kind", None), body.pop("for_user_id", None)
    order = body.pop("order", "aaa_first")
    if kind not in activity.KINDS or not str(user_id or "").isdigit() or order not in ("aaa_first", "xaa_first"):
        raise _bad(f'"kind" (one of {", ".join(activity.KINDS)}) and a numeric "for_user_id" are required')
    return Response(200, {"deliveries": emu.activity(kind, str(user_id), order, **body)})


@route("POST", C + "/oauth2_tokens")
def add_oauth2_token(emu, request):
    body = _body(request)
    if not str(body.get("user_id") or "").isdigit() or not isinstance(body.get("access_token"), str):
        raise _bad('"user_id" (numeric) and "access_token" are required')
    emu.add_oauth2_token(str(body["user_id"]), body["access_token"], body.get("scopes") or (), body.get("expires_in"))
    return Response(200, {"ok": True})


@route("POST", C + "/xaa")
def switch_xaa(emu, request):
    body = _body(request)
    unknown = sorted(set(body) - set(SWITCHES))
    if unknown:
        raise _bad(f"unknown XAA setting(s): {', '.join(unknown)}; known: {', '.join(SWITCHES)}")
    for name, value in body.items():
        _attribute, valid = SWITCHES[name]
        if not valid(value):
            raise _bad(f"bad value for {name}")
    for name, value in body.items():
        setattr(emu, SWITCHES[name][0], value)
    return Response(200, settings(emu))
