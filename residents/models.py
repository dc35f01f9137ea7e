"""人进户、户进房、房进格、格进图: building → dwelling → household → person, each in a grid cell.

Personal identifiers (ID number, phones) are never stored in clear: each has an AES-GCM
ciphertext, a keyed hash for exact search and the masked form that every screen shows
(``residents.privacy``). The last four ID characters are kept for the search by a name with the
last four digits that streets use on the phone; the masked form does not show them, so that search
counts against a daily allowance (``residents.queries``).

A building's cell is found by point lookup; households and people carry a copy of it
(``cell``) so that a scoped list of a million people filters on one indexed column instead of
four joins. ``residents.actions`` keeps the copies in step whenever a building changes cell.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import privacy


class RecordScope:
    """Resident records are shown only to roles whose work needs them (residents.policy)."""

    @classmethod
    def scope_extra(cls, queryset, user):
        from .policy import can_see_records

        return queryset if can_see_records(user) else queryset.none()


class Building(RecordScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    code = models.CharField(_("building code"), max_length=32, unique=True)
    address = models.CharField(_("address"), max_length=200)
    location = models.PointField(_("location"), srid=4326)
    cell = models.ForeignKey(
        "grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="resident_buildings"
    )
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("units"), null=True, blank=True)
    property_manager = models.CharField(_("property manager"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return f"{self.address} ({self.code})"


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    RENTED = "rented", _("Rented out")
    COMMERCIAL = "commercial", _("Shop")
    OFFICE = "office", _("Office")
    VACANT = "vacant", _("Vacant")
    OTHER = "other", _("Other")


class Dwelling(RecordScope, models.Model):
    SCOPE_AREA_PATH = "building__cell"

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="dwellings")
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20)
    use = models.CharField(_("use"), max_length=20, choices=DwellingUse.choices, default=DwellingUse.RESIDENTIAL)

    class Meta:
        ordering = ["building_id", "unit", "floor", "room"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        constraints = [models.UniqueConstraint(fields=["building", "unit", "room"], name="dwelling_unique_room")]

    def __str__(self) -> str:
        unit = _("unit %(unit)s ") % {"unit": self.unit} if self.unit else ""
        return f"{self.building.address} {unit}{self.room}"

    @property
    def label(self) -> str:
        parts = []
        if self.unit:
            parts.append(_("Unit %(unit)s") % {"unit": self.unit})
        parts.append(_("Room %(room)s") % {"room": self.room})
        return " ".join(str(p) for p in parts)


class Household(RecordScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    number = models.CharField(_("household number"), max_length=32, unique=True)
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="households")
    head = models.ForeignKey(
        "Person", verbose_name=_("head of household"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copy of dwelling.building.cell, kept in step by residents.actions (fast scoped lists).
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class ResidentType(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    FLOATING = "floating", _("Floating (流动)")
    FOREIGN = "foreign", _("Foreign (境外)")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    RELATIVE = "relative", _("Other relative")
    OTHER = "other", _("Not related")


class PersonQuerySet(models.QuerySet):
    def present(self) -> "PersonQuerySet":
        """Living people who have not moved out: those counted as the population."""
        return self.filter(moved_out=False, deceased=False)


class Person(RecordScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    id_type = models.CharField(_("document type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    # Personal identifiers: ciphertext, keyed hash, masked form. Never the plaintext.
    id_number_enc = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number (search hash)"), max_length=64, blank=True, editable=False)
    id_last4 = models.CharField(_("last four of ID number"), max_length=4, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=40, blank=True, editable=False)
    phones_enc = models.TextField(_("phones (encrypted)"), blank=True, editable=False)
    phone_hashes = ArrayField(models.CharField(max_length=64), verbose_name=_("phones (search hashes)"), default=list, blank=True, editable=False)
    phones_masked = models.CharField(_("phones"), max_length=120, blank=True, editable=False)
    key_id = models.CharField(_("encryption key"), max_length=16, blank=True, db_index=True, editable=False)

    registered_address = models.CharField(_("registered address (户籍地)"), max_length=200, blank=True)
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    resident_type = models.CharField(_("resident type"), max_length=20, choices=ResidentType.choices, default=ResidentType.REGISTERED)
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members")
    relation_to_head = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices, default=Relation.OTHER)
    # Copy of household.cell (see the module docstring).
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="+")
    moved_out = models.BooleanField(_("moved out"), default=False)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased = models.BooleanField(_("deceased"), default=False)
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    tags = models.ManyToManyField("CareTag", through="PersonTag", related_name="people", verbose_name=_("care tags"))

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["cell_id", "household_id", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [
            ("reveal_personal_data", _("Can reveal full ID numbers and phone numbers (audited)")),
            ("view_sensitive_tags", _("Can see sensitive care tags (disability, health)")),
            ("import_residents", _("Can import resident spreadsheets")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="person_unique_id_number"),
            models.CheckConstraint(condition=Q(moved_out=True) | Q(moved_out_on__isnull=True), name="person_moved_out_date_needs_flag"),
            models.CheckConstraint(condition=Q(deceased=True) | Q(deceased_on__isnull=True), name="person_deceased_date_needs_flag"),
        ]
        indexes = [
            models.Index(fields=["cell", "household", "id"], name="person_cell_list_idx"),
            GinIndex(fields=["phone_hashes"], name="person_phone_hashes_gin"),
        ]

    def __str__(self) -> str:
        return self.name

    # Plaintext only through residents.actions.reveal_person_field (audited) or the rotation command.
    def _decrypted_id_number(self) -> str:
        return privacy.decrypt(self.id_number_enc, privacy.AAD_ID_NUMBER)

    def _decrypted_phones(self) -> list[str]:
        raw = privacy.decrypt(self.phones_enc, privacy.AAD_PHONES)
        return [p for p in raw.split(",") if p]

    # What every page, API answer, export and admin view shows: the stored masked forms passed
    # through privacy.mask again, so a row stored under an older, less strict mask (or written
    # by a bulk loader) is shown under the current one.
    @property
    def id_number_shown(self) -> str:
        return privacy.mask(privacy.ID_NUMBER, self.id_number_masked)

    @property
    def phones_masked_list(self) -> list[str]:
        return privacy.mask_phones(self.phones_masked)

    @property
    def birth_year(self) -> str:
        return privacy.mask(privacy.BIRTH_DATE, self.birth_date)

    # Column headings where the admin lists these.
    id_number_shown.fget.short_description = _("ID number")
    birth_year.fget.short_description = _("year of birth")

    @property
    def is_present(self) -> bool:
        return not self.moved_out and not self.deceased



class CareTag(models.Model):
    """A care category the administrators manage (独居老人, 残疾人, 低保 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("Disability, health and similar: visible only to roles that need it.")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")

    def __str__(self) -> str:
        return self.name


class PersonTag(RecordScope, models.Model):
    SCOPE_AREA_PATH = "person__cell"

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="person_tags")
    tag = models.ForeignKey(CareTag, verbose_name=_("care tag"), on_delete=models.PROTECT, related_name="person_tags")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("person's care tag")
        verbose_name_plural = _("people's care tags")
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.tag}"


class Visit(RecordScope, models.Model):
    """A grid worker's household visit (入户走访)."""

    SCOPE_AREA_PATH = "household__cell"

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT, related_name="resident_visits")
    visited_on = models.DateField(_("visit date"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # Made by the phone (its outbox), so a visit sent twice is recorded once.
    client_id = models.UUIDField(_("client id"), null=True, blank=True)

    class Meta:
        ordering = ["-visited_on", "-created_at"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_date_idx")]
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_id"], condition=models.Q(client_id__isnull=False), name="visit_client_id_once")
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.visited_on}"


CHANGE_ACTIONS = {
    "create": _("Created"),
    "update": _("Changed"),
    "import": _("Imported"),
    "move_out": _("Moved out"),
    "deceased": _("Deceased"),
    "add_tag": _("Care tag added"),
    "remove_tag": _("Care tag removed"),
    "visit": _("Visit"),
    "set_head": _("Head of household changed"),
    "relocate": _("Moved to another cell"),
}
CHANGE_FIELDS = {
    "id_number": _("ID number"),
    "phones": _("Phones"),
    "tag": _("care tag"),
    "head": _("head of household"),
    "import": _("import"),
    "visited_on": _("visit date"),
    "follow_up_needed": _("follow-up needed"),
    "number": _("household number"),
}


# Personal fields of a change, stored and shown through the masks (privacy.mask): a history
# row must not tell what the record's own page hides.
_HISTORY_MASKS = {"id_number": privacy.ID_NUMBER, "birth_date": privacy.BIRTH_DATE}


def _mask_history_value(key: str, value):
    if value in (None, ""):
        return value
    if key == "phones":
        return ",".join(privacy.mask_phones(value if isinstance(value, (str, list)) else str(value)))
    return privacy.mask(_HISTORY_MASKS[key], value)


def masked_changes(changes: dict) -> dict:
    """``changes`` with identifiers and the birth date masked; applied on write and again on display."""
    out = {}
    for key, pair in (changes or {}).items():
        if key in _HISTORY_MASKS or key == "phones":
            pair = [_mask_history_value(key, v) for v in pair] if isinstance(pair, list) else _mask_history_value(key, pair)
        out[key] = pair
    return out


class ChangeHistory(RecordScope, models.Model):
    """Who changed what, when. Written by residents.actions; identifiers appear only masked."""

    SCOPE_AREA_PATH = "cell"

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    model = models.CharField(_("record type"), max_length=20)
    object_id = models.BigIntegerField(_("record id"))
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.SET_NULL, null=True, blank=True, related_name="history")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.SET_NULL, null=True, blank=True, related_name="history")
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        indexes = [
            models.Index(fields=["person", "-at"], name="history_person_idx"),
            models.Index(fields=["model", "object_id"], name="history_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.model}#{self.object_id}"

    @property
    def action_label(self) -> str:
        return str(CHANGE_ACTIONS.get(self.action, self.action))

    def readable_changes(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for display; field names are mapped to their verbose names."""
        rows = []
        for key, pair in masked_changes(self.changes).items():
            label, choices = CHANGE_FIELDS.get(key), {}
            if label is None:
                try:
                    model_field = Person._meta.get_field(key)
                except Exception:
                    label = key
                else:
                    label, choices = model_field.verbose_name, dict(model_field.choices or [])
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            rows.append((str(label), choices.get(before, before), choices.get(after, after)))
        return rows


class RevealField(models.TextChoices):
    ID_NUMBER = "id_number", _("ID number")
    PHONES = "phones", _("Phones")


class RevealAudit(models.Model):
    """One reveal of a full identifier: who, whose, which field, when, why (PIPL)."""

    SCOPE_AREA_PATH = "person__cell"

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="reveals")
    field = models.CharField(_("field"), max_length=20, choices=RevealField.choices)
    reason = models.TextField(_("reason"))
    via = models.CharField(_("via"), max_length=20, default="web")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("reveal audit record")
        verbose_name_plural = _("reveal audit log")
        indexes = [models.Index(fields=["actor", "-at"], name="reveal_actor_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} → {self.person_id} {self.field}"

    @classmethod
    def scope_extra(cls, queryset, user):
        from .policy import can_read_audit

        return queryset if can_read_audit(user) else queryset.none()


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors")
    READY = "ready", _("Checked, ready to import")
    QUEUED = "queued", _("Waiting to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked (dry run), then imported whole or not at all.

    The file is kept encrypted (it holds ID numbers) and dropped once the job ends.
    """

    SCOPE_AREA_PATH = "area"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("grids.Area", verbose_name=_("jurisdiction"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    filename = models.CharField(_("file name"), max_length=200)
    payload_enc = models.TextField(_("file (encrypted)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @classmethod
    def scope_extra(cls, queryset, user):
        if user.is_superuser:
            return queryset
        return queryset.filter(uploaded_by=user)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.INVALID, ImportStatus.DONE, ImportStatus.FAILED)
