"""Emergencies: a declared event over an area, its zones with their measures, campaigns and tasks."""
from .core import Emergency, EmergencyKind, EmergencyStatus, Measure, Zone

__all__ = ["Emergency", "EmergencyKind", "EmergencyStatus", "Measure", "Zone"]
