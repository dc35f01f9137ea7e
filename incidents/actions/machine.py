"""The case state machine: one table of acts, one check, one writer, one runner.

Every act on a case — incidents' own (register, handle, verify …) and those the command centre
adds (dispatch, accept, return …) — is one ``Act`` row in ``ACTS``: the statuses it may start
from, the status it leads to, the levels it may run at, who may run it, whether it needs a
reason, the sentence its timeline entry says, and its *runner*, the function that reads the
act's fields and calls the act. Apps register their acts explicitly, from their
``AppConfig.ready()``, with ``register_acts()``.

Every channel — the case API, the case page, the command-centre console and its API, Celery
tasks, Open311 — runs an act by name through ``run()``. So the check (``check()``), the
jurisdiction of any other object the act names and the writer are the same whatever the
channel (docs/architecture.md, "The case machine").

The writer, ``transition()``:

1. claims the change with a conditional UPDATE on the case's current status *and* version
   (``filter(pk=…, status=…, version=…).update(…)``); if no row changed, somebody else got there
   first and ``Conflict`` is raised (HTTP 409);
2. writes one ``TimelineEntry`` whose version is the case's new version — (incident, version)
   is unique, so no change can be lost or written twice;
3. attaches photos, runs the level-change hooks, writes notifications and runs the after-act
   hooks (an act that follows another, e.g. the automatic dispatch of a registered case), in the
   same transaction.
"""
from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Collection, Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from grids.models import Area

from .. import clock, deadlines, rules, timeline
from ..changes import note_case_change
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..levels import is_higher, status_after_level_change
from ..models import Incident, IncidentPhoto, PhotoStage, Status, TimelineEntry
from .. import photo_evidence, watermark
from ..photos import PhotoError, PreparedPhoto, encode, prepare_photos
from . import photo_queue
from .notifications import notify


@dataclass
class ActRequest:
    """What a channel hands to an act's runner: the actor and the act's fields, already read."""

    actor: Any
    data: dict[str, Any]
    files: dict[str, list]
    expected_version: int | None
    note: str

    def photos(self, name: str = "photos") -> list:
        return list(self.files.get(name, []))

    def acting(self) -> dict[str, Any]:
        """The actor and the version read, as every act takes them."""
        return {"actor": self.actor, "expected_version": self.expected_version}

    def value(self, name: str) -> Any:
        value = self.data.get(name)
        return None if value in (None, "") else value


@dataclass(frozen=True)
class Act:
    name: str
    label: Promise | str
    sources: Collection[str]
    target: str | None  # None: the status does not change (or follows from the level change / the shares)
    permission: Callable[[Any, Incident], bool]
    runner: Callable[[Incident, ActRequest], Any] | None = None  # None: no channel runs it (the sweep, a record)
    levels: frozenset[str] | None = None  # None: at every level
    note_required: bool = False
    # The sentence of its timeline entry, with %(name)s parameters (incidents.timeline).
    message: Promise | str | None = None
    # Offered on the pages only when this holds too (e.g. the class is a minor matter).
    offered: Callable[[Incident], bool] | None = None
    # Say who may do it when the permission fails (default: the holder of the case's level).
    refusal: Callable[[Any, Incident], str] | None = None
    level_refusal: Promise | str | None = None


ACTS: dict[str, Act] = {}
_LEVEL_CHANGE_HOOKS: list[Callable[..., None]] = []
_AFTER_ACT_HOOKS: list[Callable[..., None]] = []

# The phone-made id of the act run() is running; the first transition() of the run writes it on
# its timeline entry ((incident, client_id) is unique), so an act sent twice is run once.
_CLIENT_ID: ContextVar[uuid.UUID | None] = ContextVar("act_client_id", default=None)


def register_acts(acts: Iterable[Act]) -> None:
    """Add acts to the table (an app's ready() calls this once; a second call replaces them)."""
    for act in acts:
        ACTS[act.name] = act
        timeline.register_message(act.name, act.message)


def on_level_change(hook: Callable[..., None]) -> None:
    """Let an app react, inside the same transaction, to a case moving between levels by hand
    (e.g. dispatch withdraws the departments' shares of a case that leaves the command centre).
    Called as hook(incident, from_level=…, actor=…, now=…), the incident already at its new level."""
    if hook not in _LEVEL_CHANGE_HOOKS:
        _LEVEL_CHANGE_HOOKS.append(hook)


def after_act(hook: Callable[..., None]) -> None:
    """Let an app follow an act with one of its own, inside the same transaction (e.g. dispatch
    sends a case registered at the command centre to its default departments when the routing
    says so). Called as hook(incident, action=…, entry=…, actor=…, now=…) after the act's entry,
    photos, level-change hooks and notifications are written; a hook that runs an act goes
    through ``transition()`` again, so it is claimed, versioned and on the timeline like any other."""
    if hook not in _AFTER_ACT_HOOKS:
        _AFTER_ACT_HOOKS.append(hook)


def act_label(name: str) -> str:
    act = ACTS.get(name)
    return str(act.label) if act else name


def runnable(name: str) -> bool:
    act = ACTS.get(name)
    return act is not None and act.runner is not None


def allowed_acts(user, incident: Incident) -> list[Act]:
    """The acts this user may run on the case now (what the case pages offer)."""
    found = []
    for act in ACTS.values():
        if act.runner is None or incident.status not in act.sources:
            continue
        if act.levels is not None and incident.level not in act.levels:
            continue
        if act.offered is not None and not act.offered(incident):
            continue
        if act.permission(user, incident) and rules.duty_conflict(user, incident, act.name) is None:
            found.append(act)
    return found


def check(incident: Incident, name: str, actor, *, expected_version: int | None, note: str = "") -> Act:
    """Refuse an act that cannot run: stale version (409), wrong status or level (400), missing
    reason (400), not yours (403), yours to keep apart from (403: the reporter or handler of a case
    does not verify or close it, ``incidents.rules.duty_conflict``)."""
    act = ACTS[name]
    if expected_version is not None and expected_version != incident.version:
        raise Conflict(
            _("Case #%(id)s has changed since you opened it (version %(yours)s, now %(now)s); reload it and try again.")
            % {"id": incident.pk, "yours": expected_version, "now": incident.version}
        )
    if incident.status not in act.sources:
        raise NotAllowed(
            _("“%(action)s” is not possible while case #%(id)s is “%(status)s”.")
            % {"action": act.label, "id": incident.pk, "status": incident.get_status_display()}
        )
    if act.levels is not None and incident.level not in act.levels:
        message = act.level_refusal or _("“%(action)s” is not possible while case #%(id)s is held at %(level)s level.")
        raise NotAllowed(str(message) % {"action": act.label, "id": incident.pk, "level": incident.get_level_display()})
    if act.note_required and not (note or "").strip():
        raise InvalidInput(_("Give a reason."), field="note")
    if not act.permission(actor, incident):
        if act.refusal is not None:
            raise Forbidden(act.refusal(actor, incident))
        raise Forbidden(_("You do not hold case #%(id)s at its level, so you cannot do that.") % {"id": incident.pk})
    conflict = rules.duty_conflict(actor, incident, name)
    if conflict is not None:
        raise Forbidden(conflict)
    return act


def prepare(photos, name: str = "photos") -> list[PreparedPhoto]:
    """Clean uploaded photos before any write; a bad one is a 400 naming the field."""
    ready = [p for p in photos or [] if isinstance(p, PreparedPhoto)]
    raw = [p for p in photos or [] if not isinstance(p, PreparedPhoto)]
    try:
        return ready + prepare_photos(raw, name)
    except PhotoError as exc:
        raise InvalidInput(exc.message, field=name) from exc


def _stamp_for(incident: Incident, actor, filed_at) -> "watermark.Stamp":
    cell = incident.cell if incident.cell_id else None
    area = cell or (incident.filed_area if incident.filed_area_id else None)
    worker = (actor.get_full_name() or actor.get_username()) if getattr(actor, "pk", None) else ""
    return watermark.Stamp(
        when=timezone.localtime(filed_at).strftime("%Y-%m-%d %H:%M"),
        place=incident.address or (area.name if area else ""),
        cell_code=cell.code if cell else (area.code if area else ""),
        worker=worker,
    )


def save_photos(incident: Incident, entry: TimelineEntry | None, photos: Sequence[PreparedPhoto], stage: str, actor,
                filed_at=None) -> None:
    """Store each photo with its evidence marks and stamp (time, place, cell, worker); ``filed_at``
    is when the report was filed (its fix's time), now for an act. A checked upload (raw bytes) is
    written pending and processed after the answer by the photo worker (``photo_queue``)."""
    filed_at = filed_at or timezone.now()
    mark = _stamp_for(incident, actor, filed_at) if photos else None
    photo_queue.queue_photos(incident, entry, [p for p in photos if p.raw is not None], stage, actor, filed_at, mark)
    for photo in (p for p in photos if p.raw is None):  # decoded already by the caller
        flags, distance = photo_evidence.flags_for(photo.claim, filed_at=filed_at, position=incident.location)
        content = encode(watermark.stamp(photo.image, mark), photo.extension) if photo.image is not None else photo.content
        row = IncidentPhoto(
            incident=incident, entry=entry, stage=stage, width=photo.width, height=photo.height,
            size_bytes=len(content), uploaded_by=actor if getattr(actor, "pk", None) else None,
            exif_taken_at=photo.claim.taken_at, exif_location=photo.claim.location, exif_source=photo.claim.source,
            exif_distance_m=distance, flags=flags, original_sha256=photo.original_sha256, stamped=photo.image is not None,
        )
        row.image.save(f"photo.{photo.extension}", ContentFile(content), save=False)
        row.save()


def _level_change_fields(incident: Incident, to_level: str, to_area: Area, status: str, now: datetime) -> dict[str, Any]:
    due = clock.due_for(incident.category_id, to_level, incident.urgency, now)
    fields: dict[str, Any] = {
        "level": to_level,
        "area": to_area,
        "assignee": None,
        **deadlines.new_deadline(incident, status=status, deadline=due.deadline, warn_at=due.warn_at, now=now),
    }
    if is_higher(to_level, than=incident.level):
        fields["escalations"] = F("escalations") + 1
    return fields


def transition(
    incident: Incident,
    *,
    to_status: str | None,
    actor,
    expected_status: str,
    action: str,
    expected_version: int | None = None,
    note: str = "",
    params: dict[str, Any] | None = None,
    photos: Sequence[PreparedPhoto] = (),
    photo_stage: str = PhotoStage.AFTER,
    changes: dict[str, Any] | None = None,
    to_level: str | None = None,
    to_area: Area | None = None,
    notifications: Sequence[tuple[Iterable[User], str]] = (),
    now: datetime | None = None,
) -> TimelineEntry:
    """Move one case, claim-checked, with its timeline entry, photos and notifications in one transaction.

    ``to_status`` None keeps the status (or, on a level change, hands a taken case back as
    registered). ``params`` are the act's parameters, rendered in the reader's language; ``note``
    is the actor's own words. ``notifications`` is a list of (users, kind) written after the change.
    """
    now = now or timezone.now()
    version = incident.version if expected_version is None else expected_version
    new_status = to_status or expected_status
    fields: dict[str, Any] = {"version": F("version") + 1, "updated_at": now, **(changes or {})}
    from_level, new_level, new_area = incident.level, incident.level, incident.area
    if to_level is not None and to_level != incident.level:
        if to_area is None:
            raise InvalidInput(_("There is no area at that level for this case."), field="to_level")
        new_level, new_area = to_level, to_area
        if to_status is None:
            new_status = status_after_level_change(expected_status)
        fields.update(_level_change_fields(incident, to_level, to_area, expected_status, now))
    if "deadline" in fields and "missed_deadline" not in fields:
        # Whoever gives the case a new deadline keeps the one it missed (incidents.deadlines).
        fields["missed_deadline"] = deadlines.missed_after(incident, expected_status, now)
    fields["status"] = new_status
    if new_status in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE):
        fields.setdefault("closed_at", now)
    note = (note or "").strip()
    client_id = _CLIENT_ID.get()
    _CLIENT_ID.set(None)
    with transaction.atomic():
        claimed = Incident.objects.filter(pk=incident.pk, status=expected_status, version=version).update(**fields)
        if claimed != 1:
            raise Conflict(
                _("Case #%(id)s was changed by somebody else just now; reload it and try again.") % {"id": incident.pk}
            )
        entry = TimelineEntry.objects.create(
            incident=incident, version=version + 1, at=now, actor=actor if getattr(actor, "pk", None) else None,
            action=action, from_status=expected_status, to_status=new_status, from_level=from_level,
            to_level=new_level, to_area=new_area, params=params or {}, note=note, client_id=client_id,
        )
        save_photos(incident, entry, photos, photo_stage, actor)
        incident.refresh_from_db()
        if "deadline" in fields:
            deadlines.record(
                incident, level=incident.level, deadline=incident.deadline, started_at=incident.deadline_started_at, now=now,
                action=action,
            )
        if new_level != from_level:
            for hook in _LEVEL_CHANGE_HOOKS:
                hook(incident, from_level=from_level, actor=actor, now=now)
        for users, kind in notifications:
            notify(users, incident, kind, text=note, action=action, params=params, exclude=actor, now=now)
        for hook in _AFTER_ACT_HOOKS:
            hook(incident, action=action, entry=entry, actor=actor, now=now)
        note_case_change()  # kept answers (the console's polls) are read again after the commit
    return entry


def _read_version(data: dict[str, Any]) -> int | None:
    raw = data.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("version must be a whole number."), field="version")


def _read_client_id(data: dict[str, Any]) -> uuid.UUID | None:
    raw = data.get("client_id")
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise InvalidInput(_("client_id must be a UUID."), field="client_id")


def _already_run(incident: Incident, actor, client_id: uuid.UUID | None) -> TimelineEntry | None:
    if client_id is None:
        return None
    return TimelineEntry.objects.filter(incident=incident, client_id=client_id, actor_id=getattr(actor, "pk", None)).first()


def run(name: str, incident: Incident, *, actor, data: dict[str, Any], files: dict[str, list] | None = None) -> Any:
    """Run the act ``name`` on the case, its fields read from ``data`` (a form or JSON body) and
    ``files``. The one entry point of every channel; the caller has already found the case in the
    actor's scope (out of scope is 404 there).

    An act sent with a ``client_id`` (the phone's outbox) that this actor already ran on this case
    is not run again: run() answers the timeline entry written the first time, before the check
    (whose version would now be stale)."""
    if not runnable(name):
        raise NotAllowed(_("There is no action “%(name)s”.") % {"name": name})
    client_id = _read_client_id(data)
    done = _already_run(incident, actor, client_id)
    if done is not None:
        return done
    request = ActRequest(
        actor=actor,
        data=data,
        files=files or {},
        expected_version=_read_version(data),
        note=str(data.get("note") or data.get("reason") or ""),
    )
    token = _CLIENT_ID.set(client_id)
    try:
        return ACTS[name].runner(incident, request)
    except (IntegrityError, Conflict):
        # The same act, sent twice at once, claimed by the other request first.
        done = _already_run(incident, actor, client_id)
        if done is None:
            raise
        return done
    finally:
        _CLIENT_ID.reset(token)

