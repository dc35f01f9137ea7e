"""Settings of emergency mode: needs (docs/needs.md) and emergencies (docs/emergency.md)."""
import os

# --- Needs (诉求), docs/needs.md -----------------------------------------------------------
# Days after an emergency ends (or, without one, after a need is confirmed or cancelled) before
# its needs are anonymised (PIPL's minimal retention).
GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS = int(os.environ.get("GRIDGOV_NEEDS_ANONYMISE_AFTER_DAYS", "30"))
# The households' public page: wrong codes per address (10 minutes) and per dwelling (an hour),
# needs filed per household per day.
GRIDGOV_NEEDS_CODE_MISSES_PER_IP = int(os.environ.get("GRIDGOV_NEEDS_CODE_MISSES_PER_IP", "10"))
GRIDGOV_NEEDS_CODE_MISSES_PER_DWELLING = int(os.environ.get("GRIDGOV_NEEDS_CODE_MISSES_PER_DWELLING", "5"))
GRIDGOV_NEEDS_PUBLIC_PER_HOUSEHOLD_DAY = int(os.environ.get("GRIDGOV_NEEDS_PUBLIC_PER_HOUSEHOLD_DAY", "10"))
# Emergencies (docs/emergency.md): the time an escalated door-to-door task gets at its next level
# (urgent clock, hours), and how many days after an emergency's end its personal data is anonymised.
GRIDGOV_EMERGENCY_ESCALATION_HOURS = float(os.environ.get("GRIDGOV_EMERGENCY_ESCALATION_HOURS", "2"))
GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS = int(os.environ.get("GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS", "30"))
