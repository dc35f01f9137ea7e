"""The points outside the worker's own cells, in an index of their own (they are few).

A patrol's summary counts them (``points_outside_own_cells``). Counted in its one pass over the
track, that column sent the pass to the table: one heap page per point (2,880 for a day,
interleaved by ingestion), where the unique index ``patrol_point_once`` alone holds the track
(docs/scaling.md, "A worker's day, read from the index alone"). Counted from this partial index,
the track is read from the index alone again and the count from a few entries.

Built without stopping ingestion: the table's index is made on the parent alone (``ON ONLY``,
invalid until every day has its own), each day's built CONCURRENTLY and attached; a day made
later takes it from the parent. ``atomic = False``: CREATE INDEX CONCURRENTLY cannot run in a
transaction. An interrupted build leaves an invalid index of a day: drop it and migrate again.
"""
from django.db import migrations, models


def build(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE INDEX IF NOT EXISTS patrolpoint_outside_idx ON ONLY incidents_patrolpoint (patrol_id, at) "
                       "WHERE outside_own_cells")
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = 'incidents_patrolpoint'::regclass ORDER BY c.relname")
        days = [row[0] for row in cursor.fetchall()]
        for day in days:
            index = f"{day}_outside_idx"
            cursor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" ON "{day}" (patrol_id, at) WHERE outside_own_cells')
            cursor.execute(
                "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) AND inhparent = 'patrolpoint_outside_idx'::regclass",
                [f'"{index}"'],
            )
            if cursor.fetchone() is None:
                cursor.execute(f'ALTER INDEX patrolpoint_outside_idx ATTACH PARTITION "{index}"')


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS patrolpoint_outside_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("incidents", "0024_handled_entries_by_case")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(build, drop)],
            state_operations=[
                migrations.AddIndex(
                    model_name="patrolpoint",
                    index=models.Index(condition=models.Q(("outside_own_cells", True)), fields=["patrol", "at"],
                                       name="patrolpoint_outside_idx"),
                ),
            ],
        ),
    ]
