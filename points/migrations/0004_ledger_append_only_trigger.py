"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger rows.

A row-level trigger raises for every UPDATE or DELETE of ``points_ledgerentry``, whatever the
client (the ORM already refuses them; this stops raw SQL, a shell or another program too). The
one sanctioned way to remove ledger rows is ``TRUNCATE``, which empties the whole table and
fires no row trigger: ``seed_demo --force`` and the test database's flush use it. SQLite, the
embedded default, relies on the ORM's refusal alone.
"""

from django.db import migrations

TABLE = "points_ledgerentry"
FUNCTION = "points_ledgerentry_append_only"

INSTALL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Append a correcting entry instead.';
END;
$$;
DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE};
CREATE TRIGGER {FUNCTION}
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0003_rule_status_recompute_run")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
