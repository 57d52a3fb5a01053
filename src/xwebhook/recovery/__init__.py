"""Recovery without a person: what X could not deliver, found by ensure and replayed once, and ensure's memory.

  auto_replay        RecoverySettings; ensure's `recovery` part (windows found -> merged -> clipped to X's
                     24 h -> the oldest replayed), the `replay` action's record, status's `recovery` section
  windows            minute windows as X's replay takes them: merge, subtract, split (pure arithmetic)
  delivery_failures  the minutes ingest answered X with a 5xx, from CloudWatch (DeliveriesFailed, DeliveriesTimedOut)
  state              the admin state: ensure's memory between runs in one SSM parameter (SsmStateStore),
                     MemoryState without one; also holds `last_ensure` and migrate's rate holds

A neighbour of admin, not its child: the admin function wires these parts (admin/wiring.py) and its
`replay` action records here; nothing here imports admin. X's replay window is x_api/models.py's.
Nothing here is imported by the crc or ingest functions.
"""
