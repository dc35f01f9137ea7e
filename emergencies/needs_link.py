"""A door that answers "needs help" becomes a need on the needs' lists (needs.actions.record_need),
so that what the grid worker heard waits on someone's list with its clock, not only on the task."""
from __future__ import annotations

from needs import rules
from needs.actions import record_need
from needs.choices import NeedSource

# The worker tapped "needs help" without saying what: the need starts as "other", and whoever
# works it sets what it is from the note.
KIND_FROM_THE_DOOR = "other"


def need_from_task(*, task, actor, note: str, client_id: str) -> None:
    if task.household_id is None:
        return  # a building's or a person's task: the outcome and its note stay on the task
    record_need(
        household=task.household,
        kind=KIND_FROM_THE_DOOR,
        source=NeedSource.TASK,
        # A volunteer records outcomes but not needs: the need is then the household's, as on its
        # own page (the household is the one the task handed him).
        actor=actor if rules.may_record(actor) else None,
        description=note,
        emergency=task.campaign.emergency,
        client_id=f"task:{client_id}" if client_id else "",
    )
