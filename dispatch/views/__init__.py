"""Pages of the command centre and the departments, one module per subject.

| module         | pages                                                                  |
|----------------|------------------------------------------------------------------------|
| ``console``    | the dispatchers' console (a large screen, keyboard first), its queue   |
| ``case``       | the case page, its acts (one POST per act, through the case machine), the caller's contact |
| ``desks``      | the department inbox, the grid worker's on-site checks                 |
| ``common``     | what they share (who may open the console, where a page leads back to) |
(The evaluation dashboard and its Excel export are in ``dispatch.indicator_views``.)
"""
from .case import case_act, case_page, contact_reveal
from .console import console, intake_json, queue_json
from .desks import checks, inbox

__all__ = [
    "case_act", "case_page", "checks", "console", "contact_reveal", "inbox",
    "intake_json", "queue_json",
]
