"""People, their care tags and the household visits (人口信息), with their vocabularies."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import privacy
from .places import Household
from .scope import RecordScope


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
