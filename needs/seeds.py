"""The kinds of need a district starts with (reference data; administrators edit them in the admin)."""
from __future__ import annotations

KINDS = [
    # code, Chinese, English, medical (urgent hours), order
    ("medicine", "药品", "Medicine", True, 10),
    ("medical_transport", "就医出行（透析等）", "Medical transport (dialysis ride …)", True, 20),
    ("medical_care", "医疗救助", "Medical care", True, 30),
    ("food", "食品", "Food", False, 40),
    ("daily_necessities", "生活物资", "Daily necessities", False, 50),
    ("elderly_care", "老人照护", "Help for an elderly person", False, 60),
    ("other", "其他", "Other", False, 90),
]


def ensure_kinds(model=None) -> None:
    """Write the default kinds that are missing (never changes what an administrator edited)."""
    if model is None:
        from .models import NeedKind as model
    for code, name, name_en, medical, order in KINDS:
        model.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "medical": medical, "sort_order": order})
