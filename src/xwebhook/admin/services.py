"""What the admin actions and ensure's parts work with besides X's API and the credentials: AdminServices,
one typed field per service, built once by the composition root (admin/wiring.py build_admin).

A field that is None means the function has no such thing, and whatever needs it says so: no accounts
table (`connected`), no account store at all (`accounts`), no SSM parameter for the state in a test (`state`).
"""

from dataclasses import dataclass, field

from xwebhook.recovery.auto_replay import RecoverySettings


@dataclass
class AdminServices:
    # The admin state, ensure's memory between runs (recovery/state.py): SsmStateStore with
    # ADMIN_STATE_PARAMETER, else MemoryState (build_admin). None: no memory at all (tests of that case).
    state: object = None
    recovery: RecoverySettings = field(default_factory=RecoverySettings)  # what the recovery part may do
    delivery_failures: object = None  # recovery/delivery_failures.py's reader, with a state parameter
    seen: object = None  # the events the stack saw per account (migrate/seen.py); None: not counted
    accounts: object = None  # the AccountStore: migrate's records and the connected accounts (None: none)
    connected: object = None  # accounts/wiring.py AccountServices (ACCOUNTS_TABLE set); None: no accounts table
    aaa_retired: object = None  # (admin) -> user ids ensure no longer subscribes to AAA (migrate's records)
