"""The health questions a campaign may ask at the door (issue 17), the one table every path reads:
issuing (which a campaign asks), recording (what an answer may be), the counters (one column of
``CellProgress`` per question) and the anonymisation (answers are cleared with the task's data).

Data minimisation: a question is answered yes or no, nothing else is kept (not the temperature
itself, not which symptom); the answers are sensitive under PIPL and seen per household only by
roles with ``see_health_answers`` (grid workers, community staff); everyone else reads counts.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .errors import refuse

# key → the question (the key is also the counter's column in CellProgress: "yes" answers).
QUESTIONS = {
    "fever": _("Temperature 37.3 °C or above?"),
    "symptoms": _("Cough, sore throat or other symptoms?"),
    "tested_today": _("Tested today?"),
}
COUNTER_COLUMNS = tuple(QUESTIONS)


def clean_questions(keys) -> list[str]:
    """The questions a campaign asks, in the table's order; an unknown one is refused by name."""
    if keys in (None, ""):
        return []
    if not isinstance(keys, (list, tuple)) or not all(isinstance(k, str) for k in keys):
        raise refuse("health_questions", _("Give the health questions as a list of their keys."))
    unknown = [k for k in keys if k not in QUESTIONS]
    if unknown:
        raise refuse("health_questions", _("No such health question: %(keys)s.") % {"keys": ", ".join(unknown[:5])})
    return [k for k in QUESTIONS if k in keys]


def clean_answers(answers, asked: list[str]) -> dict[str, bool]:
    """Yes/no answers to the campaign's own questions; anything else is refused by name."""
    if answers in (None, ""):
        return {}
    if not isinstance(answers, dict):
        raise refuse("answers", _("Give the answers as an object of question: true or false."))
    for key, value in answers.items():
        if key not in asked:
            raise refuse("answers", _("This campaign does not ask “%(key)s”.") % {"key": str(key)[:40]})
        if not isinstance(value, bool):
            raise refuse("answers", _("Answer “%(key)s” with true or false.") % {"key": key})
    return {key: answers[key] for key in asked if key in answers}


ANSWER_FIELD = "answer_"  # a form's field per question: answer_fever = yes | no


def answers_from_form(data) -> dict | None:
    """The answers of the phone's form (one field ``answer_<question>`` of "yes" or "no" each, as a
    form or as the outbox's flat JSON sends them) in the shape ``clean_answers`` checks; None when
    the form has none. Anything but yes or no is passed on as it is, to be refused by name."""
    found = {}
    for name in data.keys():
        if isinstance(name, str) and name.startswith(ANSWER_FIELD):
            value = data.get(name)
            found[name[len(ANSWER_FIELD):]] = {"yes": True, "no": False}.get(value, value)
    return found or None


def asked(keys) -> list[tuple[str, str]]:
    """The questions a campaign asks, with their text, in the table's order (for the phone page)."""
    return [(key, QUESTIONS[key]) for key in QUESTIONS if key in (keys or [])]


def yes_counts(answers: dict | None) -> dict[str, int]:
    """The counters' share of one task's answers: 1 in each question's column answered yes."""
    answers = answers or {}
    return {key: int(answers.get(key) is True) for key in COUNTER_COLUMNS}
