"""Integration tests run the real handlers against moto's server over HTTP (SQS, Secrets Manager through
the extension stub, DynamoDB). The fixtures live in localdev.testing so the e2e and admin tests share them:

  moto_server (session), extension_stub (session), template (session), stack_factory, local_stack
"""

from localdev.testing import extension_stub, local_stack, moto_server, stack_factory, template  # noqa: F401
