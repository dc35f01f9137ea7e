"""Choice labels looked up in a map built once per field.

Django's ``get_FOO_display()`` rebuilds the whole value → label mapping of the field's choices on
every call; on a console queue of 200 cases with three labels each that is a noticeable share of
the request. The labels stay lazy in the map, so each call still translates into the language of
the current request.
"""
from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_labels: dict[object, dict] = {}


class CachedChoiceLabels:
    """Mix into a model whose ``get_FOO_display()`` runs on hot paths (lists, queues, APIs)."""

    def _get_FIELD_display(self, field):
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
