"""Every write of the emergencies app, one function each (docs/emergency.md)."""
