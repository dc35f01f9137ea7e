"""Administration of the public side of cases: what is published, the reporters' verdicts and the
spam marks. All three are written only by the acts (publish, give_verdict, mark_spam: each on the
case's timeline), so the admin reads them; a spam mark set by mistake is lifted by an admin action
(``actions.lift_spam_marks``). Rows are scoped like every list (``accounts.scope.scoped``), and
what could identify a reporter is never shown whole: the reporter's phone masked
(``residents.privacy``), the keyed hashes and the status page's token hash not at all, numbers in
a verdict's reason masked."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy as _

from accounts.scope import scoped
from incidents.admin import ReadOnlyAdmin
from residents import privacy

from . import actions
from .models import PublicCase, SpamMark, Verdict


class ScopedReadOnlyAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


@admin.register(PublicCase)
class PublicCaseAdmin(ScopedReadOnlyAdmin):
    list_display = ("incident", "moderation", "has_public_note", "public_photo", "created_at")
    list_filter = ("moderation",)
    search_fields = ("incident__id", "incident__number")
    list_select_related = ("incident__category",)
    date_hierarchy = "created_at"
    fields = ("incident", "moderation", "public_note", "public_note_at", "public_photo", "reporter_phone", "created_at")
    readonly_fields = fields
    raw_id_fields = ("incident", "public_photo")

    @admin.display(description=_("public note"), boolean=True)
    def has_public_note(self, obj: PublicCase) -> bool:
        return bool(obj.public_note)

    @admin.display(description=_("reporter's phone"))
    def reporter_phone(self, obj: PublicCase) -> str:
        # The call-back number the resident left is the case's contact: masked as on the case pages.
        return privacy.mask(privacy.CONTACT, obj.incident.contact) or "—"


@admin.register(Verdict)
class VerdictAdmin(ScopedReadOnlyAdmin):
    list_display = ("incident", "value", "channel", "closed_at", "at", "reopened", "recorded_by")
    list_filter = ("value", "channel", "reopened")
    search_fields = ("incident__id", "incident__number")
    list_select_related = ("incident__category", "recorded_by")
    date_hierarchy = "at"
    fields = ("incident", "value", "channel", "closed_at", "at", "reopened", "recorded_by", "reason_masked")
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def reason_masked(self, obj: Verdict) -> str:
        # A resident's words may carry a phone or an ID number: shown with its numbers masked.
        return privacy.mask(privacy.PUBLIC_TEXT, obj.reason) or "—"


@admin.register(SpamMark)
class SpamMarkAdmin(ScopedReadOnlyAdmin):
    list_display = ("key_prefix", "incident", "at")
    list_select_related = ("incident__category",)
    search_fields = ("incident__id", "incident__number")
    date_hierarchy = "at"
    fields = ("key_prefix", "incident", "at")
    readonly_fields = fields
    actions = ["lift"]

    @admin.display(description=_("reporter key"))
    def key_prefix(self, obj: SpamMark) -> str:
        # Enough to tell two marks apart; the whole hash is never needed by a person.
        return f"{obj.key[:8]}…"

    def get_actions(self, request):
        found = super().get_actions(request)
        if not request.user.is_superuser:
            found.pop("lift", None)
        return found

    @admin.action(description=_("Lift the marks: the reporters' later reports no longer wait for moderation"))
    def lift(self, request, queryset):
        lifted = actions.lift_spam_marks(list(queryset), actor=request.user)
        messages.success(request, ngettext("%(n)d spam mark lifted.", "%(n)d spam marks lifted.", lifted) % {"n": lifted})
