"""Integration tests run the real handlers against moto's server over HTTP (SQS, Secrets Manager through
the extension stub, DynamoDB). The fixtures live in localdev.testing so the e2e and admin tests share them:

  moto_server (session), extension_stub (session), template (session), stack_factory, local_stack
  own_stack_factory: stack_factory on a moto server of its own (for tests that read CloudWatch metrics)
"""

from localdev.testing import (  # noqa: F401
    extension_stub,
    local_stack,
    moto_server,
    own_stack_factory,
    stack_factory,
    template,
)
