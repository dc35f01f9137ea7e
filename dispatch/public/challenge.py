"""A small arithmetic question before a resident's report is filed: works offline, in any browser,
without a third-party service. The question travels signed in the form; each may be answered
once (its nonce is spent in Redis) and within an hour."""
from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

SALT = "public-report-challenge"
MAX_AGE_S = 3600


class ChallengeFailed(Exception):
    pass


def new_challenge() -> tuple[str, str]:
    """(question, signed token)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=SALT, compress=False)
    return _("How much is %(a)s + %(b)s?") % {"a": a, "b": b}, token


def verify(token: str, answer: str) -> None:
    """Raise ChallengeFailed with the reader's message unless the answer is right, fresh and first."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_S)
    except signing.SignatureExpired:
        raise ChallengeFailed(_("The question expired; answer the new one."))
    except signing.BadSignature:
        raise ChallengeFailed(_("Answer the question below the form."))
    if not isinstance(data, dict) or str(answer or "").strip() != str(int(data.get("a", 0)) + int(data.get("b", 0))):
        raise ChallengeFailed(_("That is not the answer to the question; try again."))
    try:
        first = cache.add(f"public:challenge:{data.get('n')}", 1, timeout=MAX_AGE_S + 5)
    except Exception:
        first = True
    if not first:
        raise ChallengeFailed(_("That question was already answered; answer the new one."))
