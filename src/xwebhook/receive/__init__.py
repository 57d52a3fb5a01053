"""The receive path, on X's clock: the CRC answer and the ingest of signed deliveries.

  settings    IngestSettings, the signature header, SQS's size limit
  signing     HMAC-SHA256 signatures (crc's lean one, ingest's OpenSSL one)
  crc         crc_token rules and the answer
  splitting   one delivery -> one message per event, stable event ids
  publisher   SqsEventPublisher: SendMessageBatch, sized first, partial failures retried
  dedup       DynamoDedupStore: event ids delivered in the last 30 h
  ingest      DeliveryIngestor: size -> signature -> parse -> split -> dedup -> SQS -> answer
  wiring      build_ingestor: the ingest function's composition root

Every module here is paid for at a cold start (bench/ measures each): no imports in this file.
"""
