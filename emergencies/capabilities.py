"""The emergency capabilities, named once (their holders are in accounts.capabilities' table)."""
from accounts.capabilities import Capability

DECLARE = Capability.DECLARE_EMERGENCIES
ISSUE = Capability.ISSUE_CAMPAIGNS
WORK_TASKS = Capability.WORK_EMERGENCY_TASKS
WORK_HANDED_TASKS = Capability.WORK_HANDED_TASKS
HAND_TASKS = Capability.HAND_TASKS
READ_PROGRESS = Capability.READ_EMERGENCY_PROGRESS
SEE_CARE_NAMES = Capability.SEE_CARE_NAMES
SEE_HEALTH_ANSWERS = Capability.SEE_HEALTH_ANSWERS
