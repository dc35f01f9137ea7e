"""The public side of a case: a resident's report (随手拍), what the staff publish, moderation, and
the reporter's verdict (回访) — each a function, the acts among them rows of the case machine.

=================  ==============================  ============  ===================================
act                from                            to            who
=================  ==============================  ============  ===================================
publish            any status                      (unchanged)   holder of the level, cell's worker
mark_spam          held, reported, registered      rejected      holder of the level; residents only
approve_report     held                            reported      holder of the level
verdict            closed                          closed or     the reporter (resident by token,
                                                   rework        grid worker, the centre for a caller)
=================  ==============================  ============  ===================================

``hold`` (a report of a reporter once marked as spam waits for moderation) and ``reopen`` (an
unsatisfied verdict within ``REOPEN_DAYS`` of the closure) are records written by these
functions, not acts anybody runs.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import clock
from incidents.actions.machine import Act, ActRequest, check, transition
from incidents.actions.reporting import report_incident
from incidents.errors import InvalidInput, NotAllowed
from incidents.kinds import StatusGroup
from incidents.models import Category, Incident, IncidentPhoto, Source, Status, TimelineEntry
from incidents.rules import holds_level

from .. import rules
from ..kinds import CaseStatus
from ..models import Moderation, PublicCase, SpamMark, Verdict, VerdictValue
from .shares import reopen_for_rework

REOPEN_DAYS = 7  # an unsatisfied verdict within a week of the closure reopens the case
PUBLIC_NOTE_MAX_LENGTH = 1000
ANY_STATUS = StatusGroup(lambda info: True, "any status")
_PHONE = re.compile(r"^\+?[\d\s\-()]{5,24}$")


def reporter_key(kind: str, value: str) -> str:
    """A keyed hash of a phone number or an address: recognises a reporter, reveals neither."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_phone(raw: str) -> str:
    """Digits only, without China's +86 prefix; "" when none was given; a 400 when it is no number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"\D", "", raw)
    if not _PHONE.match(raw) or not 5 <= len(digits) <= 15:
        raise InvalidInput(_("“%(value)s” is not a phone number.") % {"value": raw[:30]}, field="phone")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def public_side(incident: Incident) -> PublicCase:
    found, _created = PublicCase.objects.get_or_create(incident_id=incident.pk)
    return found


def file_resident_report(
    *, category: Category, location, description: str, photos: Sequence = (), phone: str = "", ip: str = "",
    now: datetime | None = None,
) -> tuple[Incident, str]:
    """File a resident's report through incidents' one report function (source "resident") and
    answer (case, the status page's token). The token is answered once; only its hash is kept.

    1. Normalise the phone; key the reporter by phone (else by address) and the address.
    2. A reporter whose key was marked as spam: the report is filed, then held for moderation.
    3. Case, public side and hold in the case's one transaction (``report_incident``'s ``also``);
       not in a transaction around it, which would keep the district's case-number counter
       locked while the photos are stamped and stored: residents' filings then went one at a time.
    """
    phone = normalise_phone(phone)
    keys = {"reporter": reporter_key("phone", phone) if phone else reporter_key("ip", ip), "ip": reporter_key("ip", ip)}
    held = SpamMark.objects.filter(key__in=set(keys.values())).exists()
    token = secrets.token_urlsafe(24)
    now = now or timezone.now()

    def public_side_and_hold(incident: Incident) -> None:
        PublicCase.objects.create(
            incident=incident, token_hash=token_hash(token), reporter_key=keys["reporter"], ip_key=keys["ip"],
            moderation=Moderation.HELD if held else Moderation.NONE, created_at=now,
        )
        if held:
            transition(incident, action="hold", to_status=CaseStatus.HELD, actor=None, expected_status=incident.status, now=now)

    incident, _created = report_incident(
        reporter=None, category=category, location=location, description=description, source=Source.RESIDENT,
        photos=photos, contact=phone, now=now, also=public_side_and_hold,
    )
    if held:
        incident.refresh_from_db()
    return incident, token


def _public_photo(incident: Incident, raw) -> IncidentPhoto | None | bool:
    """The photo chosen: a photo of this case; None for "no public photo"; False when not given."""
    if raw in (None, ""):
        return False
    if str(raw).strip().lower() == "none":
        return None
    raw = str(raw).strip()
    photo = IncidentPhoto.objects.filter(pk=int(raw), incident_id=incident.pk).first() if raw.isdigit() and len(raw) < 12 else None
    if photo is None:
        raise InvalidInput(_("Choose one of this case's photos."), field="public_photo")
    if not photo.ready:
        raise InvalidInput(_("This photo is still being processed or could not be read; choose it once it is shown."), field="public_photo")
    return photo


def publish(
    incident: Incident, *, actor, public_note: str = "", public_photo=False, expected_version: int | None = None,
) -> TimelineEntry:
    """Staff choose what the public sees: a public note (added to the public progress) and/or the
    public photo (``None``: none; by default no photo is public)."""
    check(incident, "publish", actor, expected_version=expected_version)
    public_note = (public_note or "").strip()
    if "\x00" in public_note:
        raise InvalidInput(_("The public note holds a character that cannot be stored."), field="public_note")
    if len(public_note) > PUBLIC_NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("The public note is too long (at most %(count)s characters).") % {"count": PUBLIC_NOTE_MAX_LENGTH},
            field="public_note",
        )
    if not public_note and public_photo is False:
        raise InvalidInput(_("Write a public note or choose the public photo."), field="public_note")
    now = timezone.now()
    params = {"public_note": public_note} if public_note else {}
    if public_photo is not False:
        params["photo"] = public_photo.pk if public_photo else None
    with transaction.atomic():
        entry = transition(
            incident, action="publish", to_status=None, actor=actor, expected_status=incident.status,
            expected_version=expected_version, params=params, now=now,
        )
        side = public_side(incident)
        changes = {}
        if public_note:
            changes.update(public_note=public_note, public_note_at=now)
        if public_photo is not False:
            changes["public_photo"] = public_photo
        PublicCase.objects.filter(pk=side.pk).update(**changes)
    return entry


def mark_spam(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    """The intake marks a resident's report as spam: rejected, and the reporter's later reports
    (same phone, or same address) wait for moderation."""
    check(incident, "mark_spam", actor, expected_version=expected_version, note=note)
    side = PublicCase.objects.filter(incident_id=incident.pk).first()
    if incident.source != Source.RESIDENT or side is None:
        raise NotAllowed(_("Only a resident's report can be marked as spam; reject it instead."))
    with transaction.atomic():
        entry = transition(
            incident, action="mark_spam", to_status=Status.REJECTED, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note,
        )
        PublicCase.objects.filter(pk=side.pk).update(moderation=Moderation.SPAM)
        for key in {side.reporter_key, side.ip_key} - {""}:
            SpamMark.objects.get_or_create(key=key, defaults={"incident": incident})
    return entry


def lift_spam_marks(marks, *, actor) -> int:
    """An administrator lifts spam marks set by mistake: the reporters' later reports no longer
    wait for moderation (the case marked stays rejected; its timeline is unchanged). Answers
    how many marks were lifted."""
    if actor is None or not actor.is_superuser:
        raise NotAllowed(_("Only an administrator may lift a spam mark."))
    with transaction.atomic():
        lifted, _by_model = SpamMark.objects.filter(pk__in=[mark.pk for mark in marks]).delete()
    return lifted


def approve_report(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    """A held report is genuine: it enters the intake as reported, its clock started now."""
    check(incident, "approve_report", actor, expected_version=expected_version, note=note)
    now = timezone.now()
    due = clock.due_for(incident.category_id, incident.level, incident.urgency, now)
    with transaction.atomic():
        entry = transition(
            incident, action="approve_report", to_status=Status.REPORTED, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note, now=now,
            changes={"deadline": due.deadline, "warn_at": due.warn_at, "deadline_started_at": now, "overdue_notified_at": None},
        )
        PublicCase.objects.filter(incident_id=incident.pk).update(moderation=Moderation.APPROVED)
    return entry


def _channel(actor, incident: Incident) -> str:
    if isinstance(actor, rules.PublicReporter):
        return "status_page"
    return "callback" if incident.source in (Source.HOTLINE, Source.OPEN311) else "app"


def give_verdict(
    incident: Incident, *, actor, value: str, reason: str = "", expected_version: int | None = None,
    now: datetime | None = None,
) -> Verdict:
    """The reporter's verdict on the closure. 不满意 needs a reason; within ``REOPEN_DAYS`` of the
    closure it reopens the case as rework at the level that closed it, with a new deadline."""
    check(incident, "verdict", actor, expected_version=expected_version, note=reason)
    if value not in VerdictValue.values:
        raise InvalidInput(_("Choose satisfied, basically satisfied or unsatisfied."), field="verdict")
    reason = (reason or "").strip()
    if value == VerdictValue.UNSATISFIED and not reason:
        raise InvalidInput(_("Say what is still wrong."), field="note")
    if Verdict.objects.filter(incident_id=incident.pk, closed_at=incident.closed_at).exists():
        raise NotAllowed(_("The verdict on this closure of case #%(id)s was already given.") % {"id": incident.pk})
    now = now or timezone.now()
    reopen = value == VerdictValue.UNSATISFIED and now - incident.closed_at <= timedelta(days=REOPEN_DAYS)
    by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        transition(
            incident, action=f"verdict_{value}", to_status=None, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=reason, now=now,
        )
        verdict = Verdict.objects.create(
            incident=incident, value=value, closed_at=incident.closed_at, at=now, channel=_channel(actor, incident),
            recorded_by=by, reason=reason, reopened=reopen,
        )
        if reopen:
            incident.refresh_from_db()
            due = clock.due_for(incident.category_id, incident.level, incident.urgency, now)
            transition(
                incident, action="reopen", to_status=Status.REWORK, actor=actor, expected_status=incident.status,
                note=reason, now=now,
                changes={"closed_at": None, "deadline": due.deadline, "warn_at": due.warn_at, "deadline_started_at": now,
                         "overdue_notified_at": None},
            )
            reopen_for_rework(incident, Status.REWORK)
    return verdict


def verdict_pending(incident: Incident) -> bool:
    """Closed and not judged yet (what the pages offer)."""
    return incident.status == Status.CLOSED and not Verdict.objects.filter(
        incident_id=incident.pk, closed_at=incident.closed_at
    ).exists()


def _run_publish(incident: Incident, request: ActRequest) -> TimelineEntry:
    return publish(
        incident, public_note=str(request.data.get("public_note") or ""),
        public_photo=_public_photo(incident, request.data.get("public_photo")), **request.acting(),
    )


def _run_verdict(incident: Incident, request: ActRequest) -> Verdict:
    return give_verdict(incident, value=str(request.data.get("verdict") or ""), reason=request.note, **request.acting())


def _resident_report(incident: Incident) -> bool:
    return incident.source == Source.RESIDENT


ACTS = [
    Act("publish", gettext_lazy("Publish progress"), ANY_STATUS, None, rules.may_publish, runner=_run_publish,
        message=gettext_lazy("Public note: %(public_note)s")),
    Act("mark_spam", gettext_lazy("Mark as spam"), [CaseStatus.HELD, Status.REPORTED, Status.REGISTERED], Status.REJECTED,
        holds_level, offered=_resident_report, runner=lambda incident, r: mark_spam(incident, note=r.note, **r.acting())),
    Act("approve_report", gettext_lazy("Approve the report"), [CaseStatus.HELD], Status.REPORTED, holds_level,
        runner=lambda incident, r: approve_report(incident, note=r.note, **r.acting())),
    Act("verdict", gettext_lazy("Record the reporter's verdict"), [Status.CLOSED], None, rules.may_give_verdict,
        offered=verdict_pending, runner=_run_verdict,
        refusal=lambda user, incident: _("Only the reporter of case #%(id)s gives its verdict (the command centre records a "
                                         "caller's).") % {"id": incident.pk}),
    # Records written by the functions above; no channel runs them.
    Act("hold", gettext_lazy("Held for moderation"), [Status.REPORTED], CaseStatus.HELD, lambda user, incident: False,
        message=None),
    # The verdict's timeline entry says which it was (verdict_satisfied …).
    *[Act(f"verdict_{value}", label, [Status.CLOSED], None, lambda user, incident: False) for value, label in (
        (VerdictValue.SATISFIED, gettext_lazy("The reporter is satisfied (满意)")),
        (VerdictValue.BASICALLY, gettext_lazy("The reporter is basically satisfied (基本满意)")),
        (VerdictValue.UNSATISFIED, gettext_lazy("The reporter is not satisfied (不满意)")),
    )],
    Act("reopen", gettext_lazy("Reopened for rework: the reporter is not satisfied"), [Status.CLOSED], Status.REWORK,
        lambda user, incident: False),
]
