"""crc function: answers X's challenge-response check on GET /webhook?crc_token=...

Thin and lean: settings and the secret cache are made at import, the secret is read on the first
call (the extension is not ready during init) and cached. See src/xwebhook/receive/crc.py for the rules.
"""

from xwebhook.credentials.consumer_secret import SecretSettings, consumer_secret
from xwebhook.http_api import json_response, query_parameter
from xwebhook.log_line import emit, level_for
from xwebhook.receive.crc import answer_crc

_secret = consumer_secret(SecretSettings.from_env())


def handler(event, context):
    answer = answer_crc(query_parameter(event, "crc_token"), _secret)
    # The token and the answer are not logged.
    emit(level_for(answer.status), "crc", context, status=answer.status, reason=answer.reason)
    return json_response(answer.status, answer.body)
