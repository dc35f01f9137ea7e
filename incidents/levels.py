"""The chain of levels a case climbs, and what each level means — one set of definitions.

Both the single-case acts (asking the level above for help, sending down) and the set-based
escalation sweep, which compiles these tables into its SQL statement, read them here; nothing
else restates them (see docs/domain.md, "The escalation chain").

| level     | the area that holds it     | code length | who holds it               |
|-----------|----------------------------|-------------|----------------------------|
| grid      | the grid cell              | 15          | the cell's grid workers    |
| community | the community              | 12          | community staff            |
| street    | the street office          | 9           | street-office staff        |
| district  | the district (command centre) | 6        | command-centre dispatchers |
"""
from __future__ import annotations

from accounts.models import Role
from grids.models import CODE_LENGTH, Level

from .kinds import TAKEN_STATUSES, Status

# The chain a case climbs; the district level is the command centre.
LEVEL_CHAIN: list[str] = [Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT]
NEXT_LEVEL: dict[str, str] = {low: high for low, high in zip(LEVEL_CHAIN, LEVEL_CHAIN[1:])}
PREVIOUS_LEVEL: dict[str, str] = {high: low for low, high in zip(LEVEL_CHAIN, LEVEL_CHAIN[1:])}

# The role whose staff hold a case at each level (grid workers hold a cell through their assignment).
LEVEL_ROLE: dict[str, str] = {
    Level.GRID: Role.GRID_WORKER,
    Level.COMMUNITY: Role.COMMUNITY,
    Level.STREET: Role.STREET,
    Level.DISTRICT: Role.DISPATCHER,
}

# The length of an area's code at each level: an area's code at a higher level is a prefix of it.
LEVEL_CODE_LENGTH: dict[str, int] = {level: CODE_LENGTH[Level(level)] for level in LEVEL_CHAIN}

# A case that changes level while somebody at the old level had taken it is handed to the new
# level as registered; any other status is kept.
STATUS_AFTER_TAKEN = Status.REGISTERED


def status_after_level_change(status: str) -> str:
    return STATUS_AFTER_TAKEN if status in TAKEN_STATUSES else status


def code_at_level(code: str, level: str) -> str | None:
    """The code of the area at ``level`` on the path of the area with ``code`` (None above it)."""
    length = LEVEL_CODE_LENGTH[level]
    return code[:length] if len(code) >= length else None


def is_higher(level: str, than: str) -> bool:
    return LEVEL_CHAIN.index(level) > LEVEL_CHAIN.index(than)
