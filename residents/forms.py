from __future__ import annotations

from django import forms
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import MIN_REASON_LENGTH
from .models import Dwelling, DwellingUse, Gender, IdType, Relation, ResidentType, RevealField

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
            # The birth date is the hidden middle of the ID number: it is not put back either.
            self.fields["birth_date"].help_text = _("Leave blank to keep the stored date.")


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


class LatLngWidget(forms.MultiWidget):
    """Two plain number boxes (latitude, longitude): the page works without JavaScript, and the
    map's marker fills the same boxes when it runs."""

    template_name = "residents/widgets/latlng.html"
    labels = (_("Latitude"), _("Longitude"))

    def __init__(self, attrs=None):
        number = {"step": "any", "inputmode": "decimal", "autocomplete": "off"}
        super().__init__({"lat": forms.NumberInput(attrs=number), "lng": forms.NumberInput(attrs=number)}, attrs)

    def decompress(self, value):
        if value is None:
            return [None, None]
        # Six decimals is about 0.1 m: more only pretends to a precision no phone has.
        return [round(value.y, 6), round(value.x, 6)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], self.labels):
            subwidget["label"] = label
        return context


class LocationField(forms.MultiValueField):
    """A WGS-84 point from latitude and longitude; named ``location`` so that the errors
    residents.actions reports on "location" land on it."""

    widget = LatLngWidget

    def __init__(self, **kwargs):
        fields = (
            forms.FloatField(min_value=-90, max_value=90, error_messages={"incomplete": _("Give the latitude.")}),
            forms.FloatField(min_value=-180, max_value=180, error_messages={"incomplete": _("Give the longitude.")}),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        lat, lng = data_list
        return Point(lng, lat, srid=4326)


class BuildingForm(forms.Form):
    code = forms.CharField(label=_("Building code"), max_length=32)
    address = forms.CharField(label=_("Address"), max_length=200)
    floors = forms.IntegerField(label=_("Floors"), required=False, min_value=1, max_value=200,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    units = forms.IntegerField(label=_("Units"), required=False, min_value=1, max_value=99,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    property_manager = forms.CharField(label=_("Property manager"), max_length=100, required=False)
    location = LocationField(label=_("Location"), help_text=_("Drag the pin onto the building, or type the coordinates (WGS-84)."))


class DwellingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, dwelling: Dwelling) -> str:
        occupied = getattr(dwelling, "household_count", 0)
        state = _("a household lives here") if occupied else _("no household yet")
        return f"{dwelling.label} · {dwelling.get_use_display()} · {state}"


class HouseholdForm(forms.Form):
    number = forms.CharField(label=_("Household number"), max_length=32)
    dwelling = DwellingChoiceField(label=_("Dwelling"), queryset=Dwelling.objects.none(), required=False,
                                   empty_label=_("A new dwelling (describe it below)"))
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-10, max_value=200,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    # Not required: the page's script disables the new-dwelling boxes (so they are not sent)
    # while an existing dwelling is chosen.
    use = forms.ChoiceField(label=_("Use"), choices=DwellingUse.choices, initial=DwellingUse.RESIDENTIAL, required=False)

    def __init__(self, *args, dwellings, **kwargs):
        super().__init__(*args, **kwargs)
        # The building's own dwellings only (the view passes them, annotated with household_count).
        self.fields["dwelling"].queryset = dwellings

    def clean_use(self) -> str:
        return self.cleaned_data.get("use") or DwellingUse.RESIDENTIAL
