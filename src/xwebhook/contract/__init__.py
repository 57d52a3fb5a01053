"""The queue message as a published contract: what consumers of the events queue can rely on.

  message.schema.json   JSON Schema (draft 2020-12) of a message body: exact, every field the receiver writes
  models                pydantic models of the same contract: parse_message(body) -> AaaMessage | XaaMessage
  schema                load_schema(): the schema file as a dict

For consumers only: crc and ingest never import this package (pydantic is not in the layer's budget, nor
on their cold path). A consumer function brings pydantic in its own requirements.txt
(examples/consumer/).
"""

from xwebhook.contract.models import AaaMessage, InvalidMessage, Message, XaaEnvelope, XaaMessage, parse_message

__all__ = ["AaaMessage", "InvalidMessage", "Message", "XaaEnvelope", "XaaMessage", "parse_message"]
