"""Django database router: the reads of a request the middleware marked go to the standby."""
from __future__ import annotations

from . import REPLICA, read_alias

# Sessions are read on every request and written at login and logout: a standby a moment behind
# would let a logged-out session in, or a new one out. They stay on the primary.
PRIMARY_ONLY_APPS = frozenset({"sessions"})


class StandbyRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return "default"
        return read_alias()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the standby may point at one
        # read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The standby replays the primary's WAL: it is never migrated itself.
        return db != REPLICA
