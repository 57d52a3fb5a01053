"""Actions on the webhook itself: status, register, revalidate, delete, replay (ensure: ensure.py)."""

from xwebhook.admin.ensure_webhook import plan_ensure
from xwebhook.admin.replay_window import replay_window
from xwebhook.admin.result import part_failed, succeeded
from xwebhook.errors import ReportedError
from xwebhook.recovery.auto_replay import record_manual_replay


def status_sections(admin):
    """Each registered status part's section; a part that fails says so in its own section, and status
    still shows the rest (the webhook above all)."""
    sections = {}
    for name, part in admin.status_parts:
        try:
            sections[name] = part(admin)
        except ReportedError as exc:
            sections[name] = part_failed(exc)
    return sections


def status(admin, _request):
    with admin.accounts_listed_once():  # read only: observe and the parts list the accounts once between them
        observed, webhooks, problems = admin.observe()
        others = [hook for hook in webhooks if hook is not observed.webhook]
        return succeeded(
            "status",
            flavour=admin.settings.flavour,
            webhook_url=admin.settings.webhook_url,
            **admin.found(observed, others),
            ensure_would=[step.as_dict() for step in plan_ensure(observed)],
            problems=problems,
            **status_sections(admin),
        )


def register(admin, _request):
    webhook, _ = admin.our_webhook()
    if webhook is not None:
        return succeeded(
            "register",
            created=False,
            webhook=webhook.as_dict(),
            note="already registered" + ("" if webhook.valid else "; it is invalid: run revalidate"),
        )
    try:
        webhook = admin.api.create_webhook(admin.settings.webhook_url)
    except ReportedError as exc:
        # A retried POST may have gone through the first time (or a concurrent ensure registered
        # it): look before reporting a refusal.
        existing, _ = admin.our_webhook()
        if existing is None:
            raise
        return succeeded(
            "register",
            created=False,
            webhook=existing.as_dict(),
            note=f"already registered ({exc})",
            **exc.details(),
        )
    return succeeded("register", created=True, webhook=webhook.as_dict())


def revalidate(admin, request):
    webhook_id = admin.webhook_id(request)
    check = admin.api.validate_webhook(webhook_id)
    if check.valid:
        result = succeeded("revalidate", webhook_id=webhook_id, valid=True)
        if check.reason:  # a transient CRC failure leaves a valid webhook valid; still worth saying
            result["note"] = check.reason
        return result
    result = {"action": "revalidate", "ok": False, "webhook_id": webhook_id, "valid": False}
    result["error"] = (
        "X's CRC against the webhook URL failed: the webhook stays invalid "
        "(check the crc function's log and the consumer secret)" + (f"; X says: {check.reason}" if check.reason else "")
    )
    return result


def delete(admin, request):
    webhook_id = admin.webhook_id(request)
    admin.api.delete_webhook(webhook_id)
    return succeeded("delete", webhook_id=webhook_id, deleted=True)


def replay(admin, request):
    window = replay_window(request.from_time, request.to_time, admin.now())
    webhook_id = admin.webhook_id(request)
    job = admin.api.replay(webhook_id, window)
    result = succeeded(
        "replay",
        webhook_id=webhook_id,
        from_date=window.from_date,
        to_date=window.to_date,
        job_id=job.get("job_id"),
        created_at=job.get("created_at"),
        note="X delivers the window's events again; ingest skips those it already queued (DEDUP_TABLE)",
    )
    problem = record_manual_replay(admin, webhook_id, window, job)  # so that ensure does not replay it again
    if problem:
        result["state_error"] = problem
    return result
