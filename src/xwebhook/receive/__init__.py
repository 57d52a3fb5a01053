"""The receive path, on X's clock: the CRC answer and the ingest of signed deliveries.

  settings     IngestSettings, the signature header, SQS's size limit, the FIFO trust window
  errors       what can go wrong, and FAILURES: the one table of what ingest answers for each
  signing      HMAC-SHA256 signatures (crc's lean one, ingest's OpenSSL one)
  crc          crc_token rules, the answer, and FAILURES: what the crc function answers for each failure
  jsontext     strict JSON in; message bodies SQS takes and that decode to what X sent
  event_ids    event_id, activity_id (shared by AAA and XAA copies) and occurred_at, from X's own ids
  splitting    one delivery -> one EventMessage per event (AAA kinds, XAA envelopes and `data` lists)
  concurrency  bounded concurrent AWS calls for large deliveries
  publisher    SqsEventPublisher: SendMessageBatch, sized first, partial failures retried
  dedup        DynamoDedupStore: activities delivered in the last 30 h (items the admin function reads)
  ingest       DeliveryIngestor: size -> signature -> parse -> split -> dedup -> SQS -> answer
  synthetic    the marker of a synthetic delivery (xwebhook doctor's) and its messages' marks; loaded only
               for a delivery that carries one
  wiring       build_ingestor: the ingest function's composition root

Every module here is paid for at a cold start (bench/ measures each): no imports in this file.
"""
