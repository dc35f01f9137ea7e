"""What each role may do, declared once.

Scope (``accounts.scope.scoped``) decides *which* records a user sees; this table decides *what* a
role may do with them: open a page, run a kind of act, read a kind of figure. Code asks
``can(user, Capability.X)``; no other module compares role names (a test greps for it). An app
whose rule needs more than the role — a model permission given in the admin, who holds a case —
keeps one predicate module built on ``can`` (``residents.policy``; the case machine's rules).

Two questions, two predicates:

* ``can(user, capability)`` — may the user do it? Nobody signed out or deactivated may; a
  superuser may do everything; otherwise the role's row below decides.
* ``role_can(user, capability)`` — is it part of the user's role's own work? The same, except
  that being a superuser adds nothing. Home-page cards and the grid worker's own cells follow the
  role: a superuser who is a GIS administrator (the demo's ``admin``) gets no patrol card, and
  the map does not start on cells nobody assigned them.

A leader is read-only by having no capability that writes. A department handler lacks
``SEE_EVERY_DEPARTMENT``: their shares, extension requests, supervision and figures are their own
department's only.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Role


class Capability(models.TextChoices):
    # grids
    EDIT_BOUNDARIES = "edit_boundaries", _("Redraw and import boundaries")
    # accounts: the roster and who covers which cell
    IMPORT_ROSTER = "import_roster", _("Import the roster of staff (grid workers, community and street staff, handlers, dispatchers)")
    ASSIGN_CELLS = "assign_cells", _("Assign the grid cells of their jurisdiction to grid workers")
    # incidents
    BROWSE_CASES = "browse_cases", _("Browse the cases of their jurisdiction")
    REPORT_CASES = "report_cases", _("Report problems")
    WORK_CELLS = "work_cells", _("Work their assigned grid cells: patrols, visits due, on-site checks")
    HOLD_LEVEL_INBOX = "hold_level_inbox", _("Handle the cases held at their community or street office")
    TAKE_HOTLINE_CALLS = "take_hotline_calls", _("File 12345 hotline calls")
    ADD_TO_CASES = "add_to_cases", _("Add notes and photos to the cases they see")
    REVEAL_CALLER_CONTACT = "reveal_caller_contact", _("Reveal a caller's contact, with a reason, to call back")
    # dispatch
    RUN_COMMAND_CENTRE = "run_command_centre", _("Run the command centre: register, dispatch, verify, close")
    WORK_DEPARTMENT_SHARES = "work_department_shares", _("Handle the cases dispatched to their department")
    SEE_EVERY_DEPARTMENT = "see_every_department", _("See the shares and figures of every department, not only their own")
    READ_EVALUATION = "read_evaluation", _("Read the evaluation of their jurisdiction")
    EVALUATE = "evaluate", _("Evaluate departments and areas as part of their daily work")
    # residents (the model permissions that widen these for one user are in residents.policy)
    SEE_RESIDENT_RECORDS = "see_resident_records", _("Work with resident records (masked)")
    REVEAL_PERSONAL_DATA = "reveal_personal_data", _("Reveal a full ID or phone number, with a reason")
    SEE_SENSITIVE_TAGS = "see_sensitive_tags", _("See sensitive care tags (disability, health)")
    IMPORT_RESIDENTS = "import_residents", _("Import resident spreadsheets")
    RECORD_VISITS = "record_visits", _("Record household visits")
    READ_POPULATION_STATISTICS = "read_population_statistics", _("Read population statistics")
    READ_REVEAL_AUDIT = "read_reveal_audit", _("Read the reveal audit log")
    # needs (诉求) and volunteers (社会力量), docs/needs.md
    WORK_NEEDS = "work_needs", _("Record, hand on and confirm the needs of households in their jurisdiction")
    FULFIL_DEPARTMENT_NEEDS = "fulfil_department_needs", _("Deliver the needs handed to their department")
    READ_NEEDS = "read_needs", _("Read the needs of their jurisdiction without the households' details")
    VERIFY_VOLUNTEERS = "verify_volunteers", _("Verify volunteers and attach them to their community")
    CLAIM_NEEDS = "claim_needs", _("Claim and deliver the needs of their community (volunteers)")
    # emergencies (docs/emergency.md)
    DECLARE_EMERGENCIES = "declare_emergencies", _("Declare and end emergencies, draw their zones")
    ISSUE_CAMPAIGNS = "issue_campaigns", _("Issue door-to-door campaigns to a zone")
    WORK_EMERGENCY_TASKS = "work_emergency_tasks", _("Record the outcomes of the emergency tasks they can see")
    WORK_HANDED_TASKS = "work_handed_tasks", _("Work only the emergency tasks handed to them (volunteers)")
    HAND_TASKS = "hand_tasks", _("Hand batches of emergency tasks to volunteers")
    READ_EMERGENCY_PROGRESS = "read_emergency_progress", _("Read the progress of emergency campaigns")
    SEE_CARE_NAMES = "see_care_names", _("See the names of care-tagged residents not yet reached")
    SEE_HEALTH_ANSWERS = "see_health_answers", _("Ask and see a household's answers to a campaign's health questions")


C = Capability

# Residents, by PIPL's "minimum necessary" (residents.policy may widen one user by model permission):
# * records (masked): grid workers (their cells), community and street staff (their subtree), the
#   command centre and GIS administrators (the district: they receive and import the streets'
#   spreadsheets). Department handlers work on cases, not people: none. Leaders: statistics only.
# * reveal of a full ID or phone number: community and street staff and the dispatcher; grid workers
#   too — by scope only in their own cells — because verifying an identity at the door is their
#   work. GIS administrators handle files, not people: no reveal.
# * sensitive tags (disability, health): those who visit and care — grid workers, community and
#   street staff. The command centre does not need them to dispatch a case.
# * import: community and street staff and GIS administrators.
# * the reveal audit log: no role (superusers and holders of residents.view_revealaudit).
# Staff: the district's GIS administrator imports the roster (accounts.roster); community and street
# staff and the GIS administrator assign the cells of their jurisdiction to grid workers.
# Needs (诉求) are sensitive (health, a household in trouble): those who record, hand on and confirm
# them (grid workers in their cells, community and street staff, the command centre); a department
# handler only the needs handed to his department; a volunteer only what he may claim in his
# community and his own claims, and of those only what a delivery needs; a leader the figures and
# the lists without the households' details. GIS administrators: none.
_FIELD_RESIDENTS = {C.SEE_RESIDENT_RECORDS, C.REVEAL_PERSONAL_DATA, C.SEE_SENSITIVE_TAGS, C.RECORD_VISITS, C.READ_POPULATION_STATISTICS}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    # Patrols their cells (their whole jurisdiction), reports, visits households, checks fixes on site.
    Role.GRID_WORKER: frozenset({
        C.BROWSE_CASES, C.ADD_TO_CASES, C.REPORT_CASES, C.WORK_CELLS, C.SEE_EVERY_DEPARTMENT, C.WORK_NEEDS, *_FIELD_RESIDENTS,
    }),
    # Handle what climbs to their level; import residents of their area.
    Role.COMMUNITY: frozenset({
        C.BROWSE_CASES, C.ADD_TO_CASES, C.REPORT_CASES, C.HOLD_LEVEL_INBOX, C.SEE_EVERY_DEPARTMENT, C.READ_EVALUATION, C.IMPORT_RESIDENTS,
        C.ASSIGN_CELLS, C.WORK_NEEDS, C.VERIFY_VOLUNTEERS, *_FIELD_RESIDENTS,
    }),
    Role.STREET: frozenset({
        C.BROWSE_CASES, C.ADD_TO_CASES, C.REPORT_CASES, C.HOLD_LEVEL_INBOX, C.SEE_EVERY_DEPARTMENT, C.READ_EVALUATION, C.IMPORT_RESIDENTS,
        C.ASSIGN_CELLS, C.WORK_NEEDS, C.VERIFY_VOLUNTEERS, *_FIELD_RESIDENTS,
    }),
    # The district command centre: the console, 12345 calls, dispatch to departments, evaluation.
    Role.DISPATCHER: frozenset({
        C.BROWSE_CASES, C.ADD_TO_CASES, C.REVEAL_CALLER_CONTACT, C.REPORT_CASES, C.TAKE_HOTLINE_CALLS, C.RUN_COMMAND_CENTRE, C.SEE_EVERY_DEPARTMENT, C.READ_EVALUATION,
        C.EVALUATE, C.SEE_RESIDENT_RECORDS, C.REVEAL_PERSONAL_DATA, C.READ_POPULATION_STATISTICS, C.WORK_NEEDS,
    }),
    # Their department's shares and figures, nothing else (cases are scoped to what was dispatched to them).
    Role.DEPARTMENT: frozenset({C.WORK_DEPARTMENT_SHARES, C.ADD_TO_CASES, C.READ_EVALUATION, C.FULFIL_DEPARTMENT_NEEDS}),
    # Boundaries and files: redraw and import cells, import residents' spreadsheets.
    Role.GIS_ADMIN: frozenset({
        C.EDIT_BOUNDARIES, C.IMPORT_ROSTER, C.ASSIGN_CELLS, C.BROWSE_CASES, C.ADD_TO_CASES, C.REPORT_CASES, C.SEE_EVERY_DEPARTMENT, C.READ_EVALUATION, C.SEE_RESIDENT_RECORDS,
        C.IMPORT_RESIDENTS, C.READ_POPULATION_STATISTICS,
    }),
    # Read-only (no notes or photos on cases either): cases, the evaluation and population statistics of the district.
    # A verified volunteer of a community: the needs he may claim there and his own claims, nothing else.
    Role.VOLUNTEER: frozenset({C.CLAIM_NEEDS}),
    Role.LEADER: frozenset({C.BROWSE_CASES, C.SEE_EVERY_DEPARTMENT, C.READ_EVALUATION, C.EVALUATE, C.READ_POPULATION_STATISTICS, C.READ_NEEDS}),
}

# Emergencies: the command centre declares, ends and issues campaigns; street and community staff
# issue campaigns to their zones and hand batches of tasks to volunteers; grid workers record the
# outcomes in their cells, volunteers only on the tasks handed to them. Everyone but volunteers
# reads the progress; the names of care-tagged residents not yet reached only those who go to
# them or send somebody (not leaders, not department handlers, not GIS administrators). A
# household's health answers (sensitive under PIPL) only those who ask them and follow them up:
# grid workers and community staff; everyone else reads them as figures in the progress.
_EMERGENCY_CAPABILITIES: dict[str, set[Capability]] = {
    Role.GRID_WORKER: {C.WORK_EMERGENCY_TASKS, C.READ_EMERGENCY_PROGRESS, C.SEE_CARE_NAMES, C.SEE_HEALTH_ANSWERS},
    Role.COMMUNITY: {C.ISSUE_CAMPAIGNS, C.HAND_TASKS, C.WORK_EMERGENCY_TASKS, C.READ_EMERGENCY_PROGRESS, C.SEE_CARE_NAMES,
                     C.SEE_HEALTH_ANSWERS},
    Role.STREET: {C.ISSUE_CAMPAIGNS, C.HAND_TASKS, C.WORK_EMERGENCY_TASKS, C.READ_EMERGENCY_PROGRESS, C.SEE_CARE_NAMES},
    Role.DISPATCHER: {C.DECLARE_EMERGENCIES, C.ISSUE_CAMPAIGNS, C.READ_EMERGENCY_PROGRESS, C.SEE_CARE_NAMES},
    Role.VOLUNTEER: {C.WORK_EMERGENCY_TASKS, C.WORK_HANDED_TASKS},
    Role.LEADER: {C.READ_EMERGENCY_PROGRESS},
}
ROLE_CAPABILITIES = {role: caps | _EMERGENCY_CAPABILITIES.get(role, set()) for role, caps in ROLE_CAPABILITIES.items()}


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_can(user, capability: Capability | str) -> bool:
    """Whether the user's role grants ``capability`` (being a superuser adds nothing)."""
    capability = Capability(capability)
    return _signed_in(user) and capability in ROLE_CAPABILITIES.get(getattr(user, "role", None), frozenset())


def can(user, capability: Capability | str) -> bool:
    """Whether the user may do it: signed in and active, and a superuser or of a role that may."""
    capability = Capability(capability)
    return _signed_in(user) and (user.is_superuser or role_can(user, capability))


def capabilities_of(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability | str) -> frozenset[str]:
    """The roles that hold ``capability``, for queries over users (``User.objects.filter(role__in=…)``)."""
    capability = Capability(capability)
    return frozenset(role for role, held in ROLE_CAPABILITIES.items() if capability in held)
