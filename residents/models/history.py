"""The change history of the records (masked) and the audit of every reveal of an identifier."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import privacy
from .people import Person
from .places import Household
from .scope import RecordScope


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
        from ..policy import can_read_audit

        return queryset if can_read_audit(user) else queryset.none()
