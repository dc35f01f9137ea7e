"""Every write of the needs app, one function per act (docs/architecture.md#one-function-per-write).

Views, the API, the public page, Celery and other apps (the emergency tasks' "needs help"
outcome) call these and never save needs themselves.
"""
from .codes import issue_code, revoke_code
from .lifecycle import cancel_need, claim_need, confirm_received, deliver_need, hand_on_need, record_need, release_need
from .volunteers import register_volunteer, reject_volunteer, verify_volunteer

__all__ = [
    "cancel_need", "claim_need", "confirm_received", "deliver_need", "hand_on_need", "issue_code", "record_need",
    "register_volunteer", "reject_volunteer", "release_need", "revoke_code", "verify_volunteer",
]
