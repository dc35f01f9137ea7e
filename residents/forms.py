from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import MIN_REASON_LENGTH
from .models import Gender, IdType, Relation, ResidentType, RevealField

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族",
    "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族",
    "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]


class DateInput(forms.DateInput):
    """An HTML date picker: its value must be ISO (YYYY-MM-DD) whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=RevealField.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), min_length=MIN_REASON_LENGTH, max_length=500,
        help_text=_("Why do you need the full value? This is recorded with your name."),
    )


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visit date"), widget=DateInput, initial=timezone.localdate)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", _("From the ID number"))] + list(Gender.choices), required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=[("", "—")] + [(e, e) for e in ETHNICITIES], required=False)
    id_type = forms.ChoiceField(label=_("Document type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phones = forms.CharField(label=_("Phones"), max_length=120, required=False, help_text=_("Separate several numbers with commas."),
                             widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    registered_address = forms.CharField(label=_("Registered address (户籍地)"), max_length=200, required=False)
    current_address = forms.CharField(label=_("Current address"), max_length=200, required=False)
    resident_type = forms.ChoiceField(label=_("Resident type"), choices=ResidentType.choices)
    relation_to_head = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        # An imported spelling not in the list (e.g. "汉") stays selectable instead of failing validation.
        current = (self.initial.get("ethnicity") or (self.data.get("ethnicity") if self.is_bound else "") or "").strip()
        if current and current not in ETHNICITIES:
            self.fields["ethnicity"].choices = list(self.fields["ethnicity"].choices) + [(current, current)]
        if editing:
            # The stored values are never put back into a form: blank means "keep".
            self.fields["id_number"].help_text = _("Leave blank to keep the current number.")
            self.fields["phones"].help_text = _("Leave blank to keep the current numbers.")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Record"), choices=[("moved_out", _("Moved out")), ("deceased", _("Deceased"))])
    on_date = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)


class TagForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("Care tag"), queryset=None)
    operation = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], widget=forms.HiddenInput, initial="add")

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))


class ExportForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=MIN_REASON_LENGTH, max_length=500,
                             help_text=_("Full ID numbers and phones: every person in the file is recorded in the audit log."))
