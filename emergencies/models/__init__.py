"""Emergencies: a declared event over an area, its zones with their measures, campaigns and tasks."""
from .campaigns import REACHED_OUTCOMES, RECORDED_OUTCOMES, Campaign, CellProgress, Outcome, Task, TaskOutcome, Unit
from .core import Emergency, EmergencyKind, EmergencyStatus, Measure, Zone

__all__ = [
    "Campaign", "CellProgress", "Emergency", "EmergencyKind", "EmergencyStatus", "Measure", "Outcome", "REACHED_OUTCOMES",
    "RECORDED_OUTCOMES", "Task", "TaskOutcome", "Unit", "Zone",
]
