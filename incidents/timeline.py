"""What a timeline entry or a notification says, in the reader's language.

An act stores what happened as its name and parameters (``TimelineEntry.params``,
``Notification.params``): the departments, the deadline, the other case … The sentence is
rendered here when somebody reads it, under the language of that request, from the act's
message in the machine's table (``incidents.actions.machine``). The actor's own words (a reason,
a note) are stored apart, in ``note`` / ``text``, and shown as written.

Parameters are JSON. Three kinds of value are rendered specially, made by the helpers below:
a moment (``when(dt)``: local time, minutes), a list of names (``names([...])``: joined with
the language's list separator) and a name of reference data in both languages
(``bilingual(name, name_en)``: the reader's, as ``gridgov.bilingual.in_language`` picks it).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridgov.bilingual import in_language

# The messages of acts that other apps register come in through the machine's table; incidents'
# own record-only entries (not acts anybody runs) are registered there too.
_MESSAGES: dict[str, Any] = {}


def register_message(action: str, message) -> None:
    """The sentence (a lazy translatable string with %(name)s parameters) of ``action``'s entries."""
    if message is not None:
        _MESSAGES[action] = message


def when(moment: datetime) -> dict[str, str]:
    return {"when": moment.isoformat()}


def names(items: Iterable[str]) -> dict[str, list[str]]:
    return {"names": [str(item) for item in items]}


def bilingual(chinese: str, english: str) -> dict[str, dict[str, str]]:
    return {"bilingual": {"zh": str(chinese), "en": str(english or "")}}


def local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def joined(items: Iterable[str]) -> str:
    # Translators: the separator between the names of a list, e.g. departments (Chinese: 、).
    return pgettext("list separator", ", ").join(str(item) for item in items)


def _render_value(value: Any) -> Any:
    if isinstance(value, dict) and "when" in value:
        moment = parse_datetime(str(value["when"]))
        return local_time(moment) if moment else value["when"]
    if isinstance(value, dict) and "names" in value:
        return joined(value["names"])
    if isinstance(value, dict) and isinstance(value.get("bilingual"), dict):
        return in_language(value["bilingual"].get("zh", ""), value["bilingual"].get("en", ""))
    return value


def describe(action: str, params: dict | None) -> str:
    """The generated sentence of an entry, or "" when the act has none (its label says it all)."""
    message = _MESSAGES.get(action)
    if message is None or not params:
        return ""
    values = {key: _render_value(value) for key, value in params.items()}
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        # A row written by an older version of the act: say what it can rather than fail the page.
        return ""


def entry_text(entry) -> str:
    """The whole text of a timeline entry: the act's sentence, then the actor's words."""
    return join_text(describe(entry.action, entry.params), entry.note)


def notification_text(notification) -> str:
    return join_text(describe(notification.action, notification.params), notification.text)


def join_text(sentence: str, note: str) -> str:
    note = (note or "").strip()
    if sentence and note:
        return _("%(sentence)s %(note)s") % {"sentence": sentence, "note": note}
    return sentence or note
