from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level

ALLOWED_SUFFIXES = {".geojson", ".json", ".zip"}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("GeoJSON (.geojson, .json) or a Shapefile zipped with its .shx, .dbf and .prj (.zip)."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    parent = forms.CharField(
        label=_("Parent code"),
        required=False,
        max_length=15,
        help_text=_("The area the file divides completely (leave empty for districts, or when each code names its parent)."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    replace = forms.BooleanField(
        label=_("Replace the community's current cells"),
        required=False,
        help_text=_("Grid level with a community as parent: features with a current cell's code keep it, features without a code become new cells, cells missing from the file are retired, and everything filed in them moves — as when the cells are redrawn in the editor."),
    )
    dry_run = forms.BooleanField(label=_("Only check, import nothing"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Use a .geojson, .json or .zip file."))
        return upload
