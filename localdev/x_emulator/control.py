"""The control plane under /_emulator/: what a test does with the Python API, over HTTP (JSON).

Every route but /health needs the emulator's per-run token in the X-Emulator-Token header
(XEmulator.control_token, printed by `python -m localdev.x_emulator`, in .local/stack.json under `make run`):
401 without it. Any request with an Origin header (a web page's fetch, a CORS preflight) gets 403, so a
page the developer visits can neither deliver events to the local receiver nor read the emulator's state.

GET    /_emulator/health                          {"ok": true}
GET    /_emulator/state                           XEmulator.state()
POST   /_emulator/reset                           forget everything
POST   /_emulator/deliver                         {"payload": {...} | "body": "<raw text>", "webhook_id"?}
                                                  -> {"status": int|null, "webhook_id": id|null}
POST   /_emulator/webhooks                        {"url", "valid"?: true} -> the webhook (no CRC, no limits)
POST   /_emulator/webhooks/<id>/invalidate        -> {"webhook": {...}}
POST   /_emulator/webhooks/<id>/crc               -> {"valid": bool, "crc": {"outcome", "status", "kind", "detail"}}
POST   /_emulator/subscriptions                   {"webhook_id", "user_id"} -> {"subscribed": true}
POST   /_emulator/faults                          {"method", "path_prefix", "status", "count"?, "headers"?, "body"?}
DELETE /_emulator/faults                          drop pending faults
POST   /_emulator/clock                           {"advance": seconds} -> {"now": epoch}
POST   /_emulator/replay_jobs/<id>/wait           {"timeout"?: 5} -> the job record
POST   /_emulator/oauth                           any of {"revoke_ends_grant", "reuse_revokes_chain"} (⚠ readings
                                                  of X's OAuth 2.0 revoke and rotation, oauth.py) -> those in force
XAA (activity deliveries in both families, OAuth 2.0 user tokens, the XAA switches): control_xaa.py.
Many accounts at once, and deliveries only where X's subscriptions send them: control_accounts.py.
Errors: {"error": "..."} with 400 or 404.
"""

import hmac

from localdev.x_emulator import errors
from localdev.x_emulator.routing import Response, RouteTable

CONTROL_TOKEN_HEADER = "X-Emulator-Token"  # noqa: S105 - a header name
OPEN_ROUTES = ("/_emulator/health",)
ROUTES = RouteTable("control")
route = ROUTES.route
C = "/_emulator"


def _body(request):
    body = request.json()
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    return body


def _bad(message, status=400):
    return errors.ApiError(status, errors.problem(status, detail=message), {})


def refusal(emu, request):
    """(status, reason) when a control request must be refused, else None."""
    if request.headers.get("Origin") is not None:
        return 403, "cross-origin requests to the emulator's control plane are refused"
    if request.path in OPEN_ROUTES:
        return None
    given = request.headers.get(CONTROL_TOKEN_HEADER) or ""
    if not hmac.compare_digest(given.encode(), emu.control_token.encode()):
        return 401, f"the control plane needs the emulator's token in the {CONTROL_TOKEN_HEADER} header"
    return None


def _webhook_id(emu, request):
    webhook_id = request.args["webhook_id"]
    if webhook_id not in emu.webhooks:
        raise _bad(f"no webhook {webhook_id}", 404)
    return webhook_id


@route("GET", C + "/health")
def health(emu, request):
    return Response(200, {"ok": True, "base_url": emu.base_url})


@route("GET", C + "/state")
def state(emu, request):
    return Response(200, emu.state())


@route("POST", C + "/reset")
def reset(emu, request):
    emu.reset()
    return Response(200, {"ok": True})


@route("POST", C + "/deliver")
def deliver(emu, request):
    body = _body(request)
    if "payload" in body:
        payload = body["payload"]
    elif isinstance(body.get("body"), str):
        payload = body["body"]
    else:
        raise _bad('give "payload" (JSON) or "body" (the exact text to send)')
    webhook_id = body.get("webhook_id")
    if webhook_id is not None and str(webhook_id) not in emu.webhooks:
        raise _bad(f"no webhook {webhook_id}", 404)
    try:
        status = emu.deliver(payload, None if webhook_id is None else str(webhook_id))
    except ValueError as exc:
        raise _bad(str(exc)) from exc
    if webhook_id is None and status is not None:
        webhook_id = next(w["id"] for w in emu.webhooks.values() if w["valid"])
    return Response(200, {"status": status, "webhook_id": webhook_id if status is not None else None})


@route("POST", C + "/webhooks")
def add_webhook(emu, request):
    body = _body(request)
    if not isinstance(body.get("url"), str):
        raise _bad('"url" is required')
    return Response(200, emu.add_webhook(body["url"], bool(body.get("valid", True))))


@route("POST", C + "/webhooks/:webhook_id/invalidate")
def invalidate(emu, request):
    webhook_id = _webhook_id(emu, request)
    emu.invalidate(webhook_id)
    return Response(200, {"webhook": dict(emu.webhooks[webhook_id])})


@route("POST", C + "/webhooks/:webhook_id/crc")
def crc(emu, request):
    webhook_id = _webhook_id(emu, request)
    valid, result = emu.check_webhook(webhook_id, emu.env_of(webhook_id))
    return Response(200, {"valid": valid, "crc": result.as_dict()})


@route("POST", C + "/subscriptions")
def add_subscription(emu, request):
    body = _body(request)
    if str(body.get("webhook_id")) not in emu.webhooks or not body.get("user_id"):
        raise _bad('"webhook_id" (of an existing webhook) and "user_id" are required')
    emu.add_subscription(str(body["webhook_id"]), str(body["user_id"]))
    return Response(200, {"subscribed": True})


@route("POST", C + "/faults")
def add_fault(emu, request):
    body = _body(request)
    try:
        emu.fail_next(
            str(body["method"]),
            str(body["path_prefix"]),
            int(body["status"]),
            int(body.get("count", 1)),
            body.get("headers"),
            body.get("body"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad('"method", "path_prefix" and "status" are required ("count", "headers", "body" optional)') from exc
    return Response(200, {"faults": len(emu.pending_faults())})


@route("DELETE", C + "/faults")
def clear_faults(emu, request):
    emu.clear_faults()
    return Response(200, {"faults": 0})


@route("POST", C + "/clock")
def clock(emu, request):
    body = _body(request)
    try:
        now = emu.advance_clock(float(body.get("advance", 0)))
    except (TypeError, ValueError) as exc:
        raise _bad('"advance" must be a number of seconds') from exc
    return Response(200, {"now": now})


@route("POST", C + "/replay_jobs/:job_id/wait")
def wait_replay(emu, request):
    body = _body(request)
    try:
        job = emu.wait_replay(request.args["job_id"], float(body.get("timeout", 5.0)))
    except KeyError as exc:
        raise _bad(f"no replay job {request.args['job_id']}", 404) from exc
    except TimeoutError as exc:
        raise _bad(str(exc), 409) from exc
    return Response(200, job)


OAUTH_READINGS = ("revoke_ends_grant", "reuse_revokes_chain")


@route("POST", C + "/oauth")
def oauth_readings(emu, request):
    body = _body(request)
    unknown = sorted(set(body) - set(OAUTH_READINGS))
    if unknown or not all(isinstance(value, bool) for value in body.values()):
        raise _bad(f"give booleans for any of {', '.join(OAUTH_READINGS)}")
    for name, value in body.items():
        setattr(emu.oauth, name, value)
    return Response(200, {name: getattr(emu.oauth, name) for name in OAUTH_READINGS})
