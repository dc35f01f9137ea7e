"""Open311 clients (their keys) and the service requests they file as cases."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from grids.models import Area, Level
from incidents.actions.reporting import report_incident
from incidents.errors import InvalidInput
from incidents.models import Category, Incident, Source

from ..models import Open311Client, Open311Request

KEY_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    # Keys are 32 random bytes: a plain SHA-256 cannot be brute-forced, and it stays fast per request.
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:KEY_PREFIX_LENGTH]
        if not Open311Client.objects.filter(key_prefix=prefix).exists():
            return key, prefix


def create_open311_client(*, name: str, district: Area, contact: str = "") -> tuple[Open311Client, str]:
    """Register a client and issue its api_key; the key is answered once and only its hash is kept.
    The client files as its own system user, which cannot sign in."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the client a name."), field="name")
    if district.level != Level.DISTRICT:
        raise InvalidInput(_("An Open311 client belongs to a district."), field="district")
    key, prefix = _new_key()
    with transaction.atomic():
        username = f"open311-{prefix.lower()}"
        user = User(username=username, first_name=name[:150], role=Role.LEADER, area=district, is_active=False)
        user.set_unusable_password()
        user.save()
        client = Open311Client.objects.create(
            name=name, contact=contact, district=district, user=user, key_prefix=prefix, key_hash=hash_key(key)
        )
    return client, key


def rotate_open311_key(client: Open311Client) -> str:
    """Issue a new api_key for the client; the old one stops working at once."""
    key, prefix = _new_key()
    Open311Client.objects.filter(pk=client.pk).update(key_prefix=prefix, key_hash=hash_key(key))
    client.refresh_from_db()
    return key


def open311_client_for(key: str | None) -> Open311Client | None:
    """The active client holding ``key``, or None."""
    if not key or len(key) < KEY_PREFIX_LENGTH:
        return None
    client = (
        Open311Client.objects.filter(key_prefix=key[:KEY_PREFIX_LENGTH], active=True).select_related("district", "user").first()
    )
    if client is None or not hmac.compare_digest(client.key_hash, hash_key(key)):
        return None
    return client


def file_open311_request(
    client: Open311Client,
    *,
    category: Category,
    location: Point,
    description: str = "",
    address: str = "",
    urgency: str | None = None,
    media_url: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    device_id: str = "",
    account_id: str = "",
    now: datetime | None = None,
) -> Open311Request:
    """File a service request as a case through incidents' report function (source open311), and keep
    what the client sent beyond it. Same transaction (the case's own, ``report_incident``'s ``also``):
    a case is never left without its request row, and the district's number counter is not kept
    locked past the case's insert."""
    now = now or timezone.now()
    contact = " ".join(part for part in [f"{last_name}{first_name}".strip(), phone, email] if part)
    written = {}

    def request_row(incident: Incident) -> None:
        written["request"] = Open311Request.objects.create(
            incident=incident,
            client=client,
            media_url=media_url[:500],
            email=email[:254],
            first_name=first_name[:100],
            last_name=last_name[:100],
            phone=phone[:40],
            device_id=device_id[:100],
            account_id=account_id[:100],
            created_at=now,
        )

    report_incident(
        reporter=client.user,
        category=category,
        location=location,
        description=description,
        urgency=urgency,
        source=Source.OPEN311,
        address=address,
        contact=contact,
        now=now,
        also=request_row,
    )
    request = written["request"]
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return request
