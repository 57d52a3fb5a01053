"""Sending deliveries as X does, to try a stack: never deployed (infra/Makefile leaves send/ out of the layer,
as it does cli/).

  deliveries  X's sample deliveries (tests/samples) or a minimal envelope of any XAA type, with fresh ids
              and times, signed with the consumer secret and POSTed; or handed to the X emulator to send
  synthetic   the synthetic delivery `xwebhook doctor` sends: signed, with the marker that makes ingest mark
              its message synthetic (receive/synthetic.py)

A library, not a command: `xwebhook send` (cli/app.py), `xwebhook doctor`, `make send` (localdev/send.py), the
local console and the load benchmark all send through it.
"""
