"""A need's acts: recorded → claimed (by a volunteer) or handed on (to a department or a supplier)
→ delivered → confirmed received by the household; released back, or cancelled
(docs/needs.md#a-needs-life)."""
from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department
from accounts.scope import scoped
from dispatch.actions.public import normalise_phone
from grids.models import Level
from incidents.errors import Forbidden, InvalidInput, NotAllowed
from incidents.models import Urgency
from residents.models import Household

from .. import deadlines, rules
from ..models import Fulfiller, Need, NeedEvent, NeedKind, NeedSource, NeedStatus, RUNNING_STATUSES
from ..phones import AAD_CALLER_PHONE, seal
from .writing import check_visible, clean_text, move

CLIENT_ID_MAX = 64
# As typed: "+86 138-1234-5678" and the like; anything longer is no phone number.
CALLER_PHONE_MAX = 24


def clean_caller_phone(value) -> str:
    """The caller's number as stored (digits only, without +86), or '' when none was given."""
    text = clean_text(value, field="caller_phone", limit=CALLER_PHONE_MAX)
    try:
        return normalise_phone(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="caller_phone") from exc


def _kind(value) -> NeedKind:
    if isinstance(value, NeedKind):
        kind = value
    else:
        kind = NeedKind.objects.filter(code=str(value or "")[:30]).first() if isinstance(value, str) else None
    if kind is None or not kind.active:
        raise InvalidInput(_("Choose what the household needs."), field="kind")
    return kind


def record_need(
    *, household: Household, kind, source: str, actor=None, urgency: str = Urgency.NORMAL, description: str = "",
    emergency=None, client_id: str = "", caller_phone: str = "", now: datetime | None = None,
) -> Need:
    """Record a household's need at grid level, on the clock of its kind and urgency.

    1. Check every input (kind active, urgency and source known, the household in the actor's
       view — the public page passes ``actor=None`` with the household its code opened; a
       caller's number only from the hotline, kept encrypted, ``needs.phones``).
    2. A repeat of the same ``client_id`` by the same actor answers the need recorded first
       (the phone's outbox, docs/offline.md).
    3. Insert the need with the grid level's deadline (``deadlines.due``) and its first history line.
    """
    now = now or timezone.now()
    kind = _kind(kind)
    if urgency not in Urgency.values:
        raise InvalidInput(_("Choose normal or urgent."), field="urgency")
    if source not in NeedSource.values:
        raise InvalidInput(_("Unknown source of the need."), field="source")
    description = clean_text(description, field="description")
    client_id = clean_text(client_id, field="client_id", limit=CLIENT_ID_MAX)
    caller_phone = clean_caller_phone(caller_phone)
    if caller_phone and source != NeedSource.HOTLINE:
        # Only a call has a caller; a household's own page or a grid worker has the household's records.
        raise InvalidInput(_("Only a need taken on the hotline has a caller's phone."), field="caller_phone")
    if actor is not None:
        if not rules.may_record(actor):
            raise Forbidden(_("Your role does not record needs."))
        if not scoped(Household.objects.filter(pk=household.pk), actor).exists():
            raise Forbidden(_("No such household in your jurisdiction."), field="household")
        if client_id:
            first = Need.objects.filter(created_by=actor, client_id=client_id).first()
            if first is not None:
                first.repeated = True
                return first
    due = deadlines.due(kind, Level.GRID, urgency, now)
    fields = dict(
        household=household, cell_id=household.cell_id, kind=kind, urgency=deadlines.effective_urgency(kind, urgency),
        description=description, source=source, status=NeedStatus.OPEN, level=Level.GRID, area_id=household.cell_id,
        deadline=due.deadline, warn_at=due.warn_at, deadline_started_at=now, created_by=actor, created_at=now,
        client_id=client_id if actor is not None else "",
    )
    if caller_phone:
        sealed = seal(caller_phone, AAD_CALLER_PHONE)
        fields.update(caller_phone_enc=sealed.enc, caller_phone_hash=sealed.hash)
    if emergency is not None:
        if emergency.ends_at is not None:
            raise InvalidInput(_("That emergency has ended."), field="emergency")
        fields["emergency"] = emergency
    try:
        with transaction.atomic():
            need = Need.objects.create(**fields)
            NeedEvent.objects.create(
                need=need, version=need.version, at=now, actor=actor, action="record",
                params={"kind": kind.pk, "urgency": need.urgency, "source": source},
            )
    except IntegrityError:
        # Two sends of the same outbox item at once: the other one recorded it.
        first = Need.objects.filter(created_by=actor, client_id=client_id).first() if client_id and actor else None
        if first is None:
            raise
        first.repeated = True
        return first
    return need


@transaction.atomic
def claim_need(*, need: Need, actor, now: datetime | None = None) -> Need:
    """A volunteer takes an open need: a conditional UPDATE, so two volunteers never both get it."""
    now = now or timezone.now()
    check_visible(need, actor)
    if not rules.may_claim(actor, need):
        raise NotAllowed(_("This need cannot be claimed now."))
    return move(
        need, expected=[NeedStatus.OPEN], action="claim", actor=actor, now=now,
        changes={"status": NeedStatus.CLAIMED, "fulfiller": Fulfiller.VOLUNTEER, "claimed_by": actor, "claimed_at": now},
        conflict=_("Somebody else took this need first."),
    )


@transaction.atomic
def hand_on_need(*, need: Need, actor, department: Department | None = None, supplier: str = "", now: datetime | None = None) -> Need:
    """Staff hand an open need to a department or a named supplier."""
    now = now or timezone.now()
    check_visible(need, actor)
    if not rules.may_hand_on(actor, need):
        raise NotAllowed(_("This need cannot be handed on now."))
    supplier = clean_text(supplier, field="supplier", limit=100)
    if (department is None) == (not supplier):
        raise InvalidInput(_("Choose a department or name a supplier (one of them)."), field="department")
    if department is not None and not department.active:
        raise InvalidInput(_("That department is not active."), field="department")
    if department is not None:
        changes = {"fulfiller": Fulfiller.DEPARTMENT, "department": department, "supplier": ""}
        params = {"department": department.pk}
    else:
        changes = {"fulfiller": Fulfiller.SUPPLIER, "department": None, "supplier": supplier}
        params = {"supplier": supplier}
    return move(
        need, expected=[NeedStatus.OPEN], action="hand_on", actor=actor, now=now, params=params,
        changes={"status": NeedStatus.CLAIMED, "claimed_by": None, "claimed_at": now, **changes},
        conflict=_("Somebody else took this need first."),
    )


@transaction.atomic
def deliver_need(*, need: Need, actor, note: str = "", now: datetime | None = None) -> Need:
    """The fulfiller says it is delivered; the clock stops, the household's confirmation is awaited."""
    now = now or timezone.now()
    check_visible(need, actor)
    if not rules.may_deliver(actor, need):
        raise NotAllowed(_("Only whoever took this need records its delivery."))
    note = clean_text(note, field="note")
    return move(
        need, expected=[NeedStatus.CLAIMED], action="deliver", actor=actor, now=now, note=note,
        changes={"status": NeedStatus.DELIVERED, "delivered_at": now},
    )


@transaction.atomic
def release_need(*, need: Need, actor, reason: str, now: datetime | None = None) -> Need:
    """A taken need goes back to open (the volunteer cannot go; staff take it back)."""
    now = now or timezone.now()
    check_visible(need, actor)
    if not rules.may_release(actor, need):
        raise NotAllowed(_("This need cannot be given back now."))
    reason = clean_text(reason, field="reason", required=True)
    return move(
        need, expected=[NeedStatus.CLAIMED], action="release", actor=actor, now=now, note=reason,
        changes={"status": NeedStatus.OPEN, "fulfiller": "", "claimed_by": None, "department": None, "supplier": "", "claimed_at": None},
    )


@transaction.atomic
def confirm_received(*, need: Need, actor=None, household: Household | None = None, now: datetime | None = None) -> Need:
    """The household received it: confirmed by the grid worker (``actor``) or by the household
    itself on the public page (``household``, opened by its code)."""
    now = now or timezone.now()
    if actor is not None:
        check_visible(need, actor)
        if not rules.may_confirm(actor, need):
            raise NotAllowed(_("Only a delivered need can be confirmed."))
        by = {}
    else:
        if household is None or need.household_id != household.pk:
            raise Forbidden(_("No such need for your household."))
        if need.status != NeedStatus.DELIVERED:
            raise NotAllowed(_("Only a delivered need can be confirmed."))
        by = {"by_household": True}
    return move(
        need, expected=[NeedStatus.DELIVERED], action="confirm", actor=actor, now=now, params=by,
        changes={"status": NeedStatus.CONFIRMED, "settled_at": now},
    )


@transaction.atomic
def cancel_need(*, need: Need, actor, reason: str, now: datetime | None = None) -> Need:
    """Staff cancel a need nobody has to fulfil any more (met otherwise, recorded twice)."""
    now = now or timezone.now()
    check_visible(need, actor)
    if not rules.may_cancel(actor, need):
        raise NotAllowed(_("This need cannot be cancelled now."))
    reason = clean_text(reason, field="reason", required=True)
    return move(
        need, expected=list(RUNNING_STATUSES), action="cancel", actor=actor, now=now, note=reason,
        changes={"status": NeedStatus.CANCELLED, "settled_at": now},
    )
