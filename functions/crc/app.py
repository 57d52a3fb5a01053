"""crc function: answers X's challenge-response check on GET /webhook?crc_token=...

Thin and lean: settings and the secret cache are made at import, the secret is read on the first
call (the extension is not ready during init) and cached. See src/xwebhook/receive/crc.py for the rules
and FAILURES, the table of what each failure answers.
"""

from xwebhook.credentials.consumer_secret import SecretSettings, consumer_secret
from xwebhook.http_api import json_response, query_parameter
from xwebhook.log_line import emit, level_for
from xwebhook.receive.crc import FAILURES, CrcAnswer, answer_crc

_secret = consumer_secret(SecretSettings.from_env())


def handler(event, context):
    try:
        answer = answer_crc(query_parameter(event, "crc_token"), _secret)
    except Exception as exc:  # every failure answers as FAILURES says; one it does not name is a bug (500)
        answer = CrcAnswer.failed(exc, FAILURES)
    # The token and the answer are not logged; a failure's detail (why the secret could not be read) is.
    fields = {"status": answer.status, "reason": answer.reason}
    if answer.detail:
        fields["detail"] = answer.detail
    emit(level_for(answer.status), "crc", context, **fields)
    return json_response(answer.status, answer.body)
