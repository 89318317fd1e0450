"""Covering tag-link indexes (tenant, tag, lead|customer) in place of (tenant, tag), and the
partial index of live hot leads: the hot + tag lists' counts read them index-only
(docs/benchmarks.md, "Tag filters through covering and hot-lead indexes").

On PostgreSQL they are built and dropped CONCURRENTLY, so the tables stay writable while a large
one is indexed; the new indexes are built before the old ones go. Outside a transaction, a run
stopped halfway leaves the steps before it done and an interrupted build an invalid index of
its name: each build first drops an index of its name, so migrating again finishes the work.
SQLite, which the test suite also runs on, builds them as usual."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


def _drop_leftover(schema_editor, name: str) -> None:
    """An index `name` left by an earlier, stopped run (valid or not), dropped before it is
    built again."""
    quoted = schema_editor.quote_name(name)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quoted}")


def _concurrently_on_postgresql(concurrent, plain):
    """`concurrent` on PostgreSQL (each build after dropping an index of its name), the plain
    operation's database steps elsewhere."""
    adds = issubclass(concurrent, AddIndexConcurrently)

    class Operation(concurrent):
        def database_forwards(self, app_label, schema_editor, from_state, to_state):
            if schema_editor.connection.vendor != "postgresql":
                return plain.database_forwards(self, app_label, schema_editor, from_state, to_state)
            if adds:
                _drop_leftover(schema_editor, self.index.name)
            concurrent.database_forwards(self, app_label, schema_editor, from_state, to_state)

        def database_backwards(self, app_label, schema_editor, from_state, to_state):
            if schema_editor.connection.vendor != "postgresql":
                return plain.database_backwards(
                    self, app_label, schema_editor, from_state, to_state
                )
            if not adds:  # unapplying a removal builds the old index again
                _drop_leftover(schema_editor, self.name)
            concurrent.database_backwards(self, app_label, schema_editor, from_state, to_state)

    Operation.__name__ = concurrent.__name__
    return Operation


AddIndex = _concurrently_on_postgresql(AddIndexConcurrently, migrations.AddIndex)
RemoveIndex = _concurrently_on_postgresql(RemoveIndexConcurrently, migrations.RemoveIndex)


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("crm", "0014_tag_changes_keys_without_constraints"),
    ]

    operations = [
        AddIndex(
            model_name="leadtag",
            index=models.Index(fields=["tenant", "tag", "lead"], name="leadtag_tenant_tag_lead"),
        ),
        RemoveIndex(model_name="leadtag", name="leadtag_tenant_tag"),
        AddIndex(
            model_name="customertag",
            index=models.Index(
                fields=["tenant", "tag", "customer"], name="customertag_tenant_tag_cust"
            ),
        ),
        RemoveIndex(model_name="customertag", name="customertag_tenant_tag"),
        AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(
                    ("lead_score__gte", 90),
                    models.Q(("status__in", ("WON", "LOST")), _negated=True),
                    ("archived_at__isnull", True),
                ),
                fields=["tenant", "id"],
                name="lead_hot_live",
            ),
        ),
    ]
