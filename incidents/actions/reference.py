"""Writes of the case classes from a checked reference file (incidents.reference_file)."""
from __future__ import annotations

from django.db import transaction

from ..models import Category


def save_categories(rows: list[dict]) -> int:
    """Major and minor classes by code: a known code takes the row's names and "in use" (an empty
    English cell keeps the English name), a new one is added after its major class, with the
    defaults a class gets in the admin (normal urgency, not settled in the grid); none is deleted
    and none moves. Answers how many were written."""
    from .. import routing

    codes = [row["code"] for row in rows] + [row["parent"] for row in rows if row["parent"]]
    stored = {c.code: c for c in Category.objects.filter(code__in=codes)}
    written = 0
    with transaction.atomic():
        # Major classes first: a new minor class names one that may be new in the same file.
        for row in sorted(rows, key=lambda row: bool(row["parent"])):
            category = stored.get(row["code"])
            if category is None:
                parent = stored[row["parent"]] if row["parent"] else None
                siblings = Category.objects.filter(parent=parent).order_by("-sort_order").values_list("sort_order", flat=True).first()
                category = Category.objects.create(
                    code=row["code"], name=row["name"], name_en=row["name_en"], active=row["active"], parent=parent,
                    kind=parent.kind if parent is not None else row["nature"], sort_order=(siblings or 0) + 10,
                )
                stored[category.code] = category
            else:
                fields = {"name": row["name"], "active": row["active"], "name_en": row["name_en"] or category.name_en}
                if row["nature"] and category.parent_id is None:
                    fields["kind"] = row["nature"]
                Category.objects.filter(pk=category.pk).update(**fields)
            written += 1
        transaction.on_commit(routing.clear_cache)
    return written
