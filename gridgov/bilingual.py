"""Reference data named in two languages (categories, departments): the Chinese name is the
record's name; the English one is shown to a viewer reading English, when there is one."""
from __future__ import annotations

from django.utils.translation import get_language


def in_language(chinese: str, english: str) -> str:
    """The name for the active language: English only when asked for and filled in."""
    language = (get_language() or "").lower()
    return english if english and language.startswith("en") else chinese
