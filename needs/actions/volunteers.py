"""Volunteers (社会力量): register on a phone page, verified by the staff of the community they
asked to help in, who attach them to it (docs/needs.md#volunteers)."""
from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import scoped
from dispatch.actions.public import normalise_phone
from grids.models import Area, Level
from incidents.errors import Conflict, Forbidden, InvalidInput
from residents import privacy

from .. import rules
from ..models import Volunteer, VolunteerStatus
from ..phones import AAD_VOLUNTEER_PHONE, phone_hashes, seal
from .writing import clean_text


def volunteer_phone_hashes(phone: str) -> list[str]:
    """The keyed hashes a volunteer's number may be stored under (current key first)."""
    return phone_hashes(phone)


def _login_name() -> str:
    """A login name that says nothing about him (the account's username, never shown to sign in)."""
    while True:
        name = "vol-" + secrets.token_hex(5)
        if not User.objects.filter(username=name).exists():
            return name


@transaction.atomic
def register_volunteer(*, name: str, phone: str, password: str, community: Area, skills: str = "", now: datetime | None = None) -> Volunteer:
    """A person offers to help: an account that cannot sign in until verified, and the registration.

    He signs in with his mobile number (what volunteers remember), found through its keyed hash
    (needs.auth); the number itself is kept only encrypted, as residents' are, and every screen
    shows it masked. The account's login name is generated.
    """
    now = now or timezone.now()
    name = clean_text(name, field="name", limit=50)
    if not name:
        raise InvalidInput(_("Give your name."), field="name")
    skills = clean_text(skills, field="skills", limit=200)
    phone = normalise_phone(phone)
    if not phone or len(phone) != 11 or not phone.startswith("1"):
        raise InvalidInput(_("Give your mobile number (11 digits)."), field="phone")
    if community is None or community.level != Level.COMMUNITY or community.valid_to is not None:
        raise InvalidInput(_("Choose the community you want to help in."), field="community")
    user = User(username=_login_name(), role=Role.VOLUNTEER, is_active=False, first_name=name)
    try:
        # The number too: a password that is his phone number is refused like one that is his name.
        validate_password(password or "", User(username=phone, first_name=name))
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password")
    taken = Conflict(_("This phone number is already registered."), field="phone")
    if Volunteer.objects.filter(phone_hash__in=volunteer_phone_hashes(phone)).exists():
        raise taken
    user.set_password(password)
    sealed = seal(phone, AAD_VOLUNTEER_PHONE)
    try:
        with transaction.atomic():
            user.save()
            return Volunteer.objects.create(
                user=user, name=name, phone_masked=privacy.mask(privacy.PHONE, phone), phone_enc=sealed.enc, phone_hash=sealed.hash,
                community=community, skills=skills, registered_at=now,
            )
    except IntegrityError:
        raise taken  # the same number registered at the same moment


def _pending_in_view(volunteer: Volunteer, actor) -> None:
    if not rules.may_verify_volunteers(actor) or not scoped(Volunteer.objects.filter(pk=volunteer.pk), actor).exists():
        raise Forbidden(_("No such volunteer in your jurisdiction."))


@transaction.atomic
def verify_volunteer(*, volunteer: Volunteer, actor, now: datetime | None = None) -> Volunteer:
    """Community staff verify a registration: the account signs in, attached to the community."""
    now = now or timezone.now()
    _pending_in_view(volunteer, actor)
    updated = Volunteer.objects.filter(pk=volunteer.pk, status=VolunteerStatus.PENDING).update(
        status=VolunteerStatus.VERIFIED, verified_by=actor, verified_at=now
    )
    if updated != 1:
        raise Conflict(_("This registration was already decided."))
    User.objects.filter(pk=volunteer.user_id).update(is_active=True, area=volunteer.community)
    volunteer.refresh_from_db()
    return volunteer


@transaction.atomic
def reject_volunteer(*, volunteer: Volunteer, actor, now: datetime | None = None) -> Volunteer:
    """Not accepted (or no longer): the account stops signing in; his open claims are not touched
    here — staff release them on each need."""
    now = now or timezone.now()
    _pending_in_view(volunteer, actor)
    updated = Volunteer.objects.filter(pk=volunteer.pk, status__in=[VolunteerStatus.PENDING, VolunteerStatus.VERIFIED]).update(
        status=VolunteerStatus.REJECTED, verified_by=actor, verified_at=now
    )
    if updated != 1:
        raise Conflict(_("This registration was already decided."))
    User.objects.filter(pk=volunteer.user_id).update(is_active=False)
    volunteer.refresh_from_db()
    return volunteer
