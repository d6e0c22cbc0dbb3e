"""A database created and seeded by the previous main migrates to the new app layout with every
row and every figure unchanged.

``main-1ccb197.json.gz`` holds every row of such a database and ``figures-1ccb197.json.gz`` what
the partner-facing API answered on it (``dump.py`` and ``record.py`` say how both were made). The
test migrates its own database back to the migrations of that code, loads the rows into it with
raw SQL, migrates forward to the latest migrations and then checks that

* every dumped table holds the same rows, column for column, compared in a form that is the
  same on SQLite and PostgreSQL (the dump is from SQLite; ``DATABASE_URL`` runs it on both);
* the moved rule, tier and run models' content types carry their new app labels, with the same
  permission rows (so groups and users holding them keep them);
* the API, with the clock frozen where the figures were recorded, answers exactly the same.
  The figures are the previous main's on the same backend: SQLite sums the ledger in floats, so
  two clients whose points tie exactly on PostgreSQL can differ by 1e-15 there and sort the
  other way in the Points Breakdown (``figures-1ccb197-postgresql.json.gz`` is what 1ccb197
  answered on PostgreSQL with the same rows loaded).

Whatever happens, the database is left at the latest migrations for the tests that follow.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.dateparse import parse_datetime

from clients.selectors import account_data_changed
from program.rules import rules_cache_clear

from .dump import describe, dump, read
from .record import FROZEN_AT, record

HERE = Path(__file__).resolve().parent
DUMP = HERE / "main-1ccb197.json.gz"
FIGURES = HERE / "figures-1ccb197.json.gz"
FIGURES_POSTGRESQL = HERE / "figures-1ccb197-postgresql.json.gz"

# The project's migrations at commit 1ccb197 (None: the app had none); every other app stays at
# its latest migration.
OLD_LEAVES: dict[str, str | None] = {
    "partners": "0004_invitations_sessions_unique_emails",
    "clients": "0004_account_metrics",
    "points": "0006_pair_balances",
    "tiers": "0003_requirement_status",
    "commissions": "0002_line_sequence_and_payout_rate",
    "program": None,
    "recompute": None,
}
# (old app label, new app label, model name) of the models that changed app.
MOVED = (
    ("points", "program", "fxrate"),
    ("points", "program", "growthmarket"),
    ("points", "program", "pointrate"),
    ("tiers", "program", "tier"),
    ("tiers", "program", "tierrequirement"),
    ("tiers", "program", "reviewdate"),
    ("points", "recompute", "recomputerun"),
)
ACTIONS = ("add", "change", "delete", "view")
BOOLEANS = {"BooleanField", "NullBooleanField"}
SHOWN_DIFFERENCES = 10

Target = tuple[str, str | None]


# Migrations ------------------------------------------------------------------------------------


def old_targets() -> list[Target]:
    """Every app's latest migration, but the project's apps at their 1ccb197 migrations."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    targets = dict.fromkeys((app, OLD_LEAVES.get(app, name)) for app, name in leaves)
    return list(targets)


def migrate(targets: Iterable[Target] | None = None) -> MigrationExecutor:
    """Migrate to ``targets`` (default: the latest migrations); a fresh executor after it."""
    executor = MigrationExecutor(connection)
    plan_targets = list(targets) if targets is not None else executor.loader.graph.leaf_nodes()
    executor.migrate(plan_targets)
    executor.loader.build_graph()  # reload what is applied now
    return MigrationExecutor(connection)


def table_models(state_apps: Apps, tables: Iterable[str]) -> dict[str, type[models.Model]]:
    """The model of each of ``tables`` in ``state_apps`` (a migration state's models)."""
    by_table = {
        model._meta.db_table: model
        for model in state_apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    }
    missing = sorted(set(tables) - set(by_table))
    assert not missing, f"No model for the dumped tables {missing} at the 1ccb197 migrations"
    return {table: by_table[table] for table in tables}


def column_fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    return {field.column: field for field in model._meta.concrete_fields}


# Values ----------------------------------------------------------------------------------------


def as_utc(value: str | dt.datetime) -> dt.datetime:
    """A dumped datetime, aware in UTC (SQLite keeps them naive in UTC)."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    assert parsed is not None, f"Not a datetime: {value!r}"
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def python_value(kind: str, value: Any) -> Any:
    """A dumped value (see ``dump.plain``) as the Python value of a field of type ``kind``."""
    if value is None:
        return None
    if kind in BOOLEANS:
        return bool(value)
    if kind == "DecimalField":
        return Decimal(str(value))
    if kind == "DateTimeField":
        return as_utc(value)
    if kind == "DateField":
        return dt.date.fromisoformat(value)
    if kind == "TimeField":
        return dt.time.fromisoformat(value)
    if kind == "JSONField":
        return json.loads(value) if isinstance(value, str) else value
    if kind == "UUIDField":
        return uuid.UUID(str(value))
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


def db_value(field: models.Field[Any, Any], value: Any) -> Any:
    """A dumped value as this connection stores it for ``field`` (Django's own adaptation:
    SQLite gets booleans as 0/1 and datetimes as naive UTC text, PostgreSQL booleans, aware
    datetimes and jsonb)."""
    parsed = python_value(field.get_internal_type(), value)
    if parsed is None:
        return None
    return field.get_db_prep_value(parsed, connection, prepared=True)


def normal(field: models.Field[Any, Any], value: Any) -> Any:
    """A dumped value in a form that is the same whichever backend it was dumped from.

    A decimal is rounded to its column's places, as PostgreSQL stores it and as Django reads it
    from SQLite (whose REAL arithmetic, e.g. in the pair-balance trigger, leaves digits beyond).
    """
    kind = field.get_internal_type()
    parsed = python_value(kind, value)
    if parsed is None:
        return None
    if kind == "JSONField":
        return json.loads(json.dumps(parsed), parse_float=Decimal)
    if isinstance(field, models.DecimalField):
        return parsed.quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(parsed, int | float) and not isinstance(parsed, bool):
        return Decimal(str(parsed))
    return parsed


# Loading and comparing tables ------------------------------------------------------------------


def load(tables: dict[str, Any], table_model: dict[str, type[models.Model]]) -> None:
    """Empty the dumped tables and insert the dump's rows, with their ids; on PostgreSQL the
    sequences then continue after the highest id.

    The tables are emptied as a flush does, with the tables that refer to them (the admin log,
    user permissions: empty in the test database), by TRUNCATE on PostgreSQL, where the points
    ledger's trigger refuses DELETE. Each table is emptied again with DELETE right before its
    rows go in, as the triggers of the tables loaded before it may have filled it (the ledger's
    insert trigger adds to ``points_pairbalance``): its dumped rows are the ones that count.
    """
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), sorted(tables), allow_cascade=True):
            cursor.execute(sql)
        for table, data in sorted(tables.items()):
            cursor.execute(f"DELETE FROM {quote(table)}")
            if not data["rows"]:
                continue
            fields = column_fields(table_model[table])
            row_fields = [fields[column] for column in data["columns"]]
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(map(quote, data['columns']))}) "
                f"VALUES ({', '.join(['%s'] * len(row_fields))})",
                [
                    [db_value(field, value) for field, value in zip(row_fields, row, strict=True)]
                    for row in data["rows"]
                ],
            )
        for sql in connection.ops.sequence_reset_sql(no_style(), list(table_model.values())):
            cursor.execute(sql)


def column_names(tables: Iterable[str]) -> dict[str, list[str]]:
    """The columns each table has in the database, sorted."""
    with connection.cursor() as cursor:
        return {table: sorted(name for name, _ in describe(cursor, table)) for table in tables}


def column_types(tables: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The type of each column of each table, as this backend describes it."""
    with connection.cursor() as cursor:
        return {table: dict(describe(cursor, table)) for table in tables}


def shown(value: Any) -> str:
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else repr(value)


def shown_row(columns: list[str], row: tuple) -> str:
    return "{" + ", ".join(f"{c}: {shown(v)}" for c, v in zip(columns, row, strict=True)) + "}"


def normal_rows(
    data: dict[str, Any], model: type[models.Model]
) -> tuple[list[str], dict[Any, tuple]]:
    """A dumped table's columns (sorted) and rows in the normal form, by primary key."""
    fields = column_fields(model)
    columns = sorted(data["columns"])
    index = [data["columns"].index(column) for column in columns]
    key = columns.index(model._meta.pk.column)
    rows = [
        tuple(normal(fields[column], row[i]) for column, i in zip(columns, index, strict=True))
        for row in data["rows"]
    ]
    by_key = {row[key]: row for row in rows}
    assert len(by_key) == len(rows), f"{model._meta.db_table}: primary keys repeat"
    return columns, by_key


def table_difference(
    expected: dict[str, Any], actual: dict[str, Any], model: type[models.Model]
) -> str:
    """How ``actual`` differs from ``expected`` (two dumps of a table), or ''."""
    table, key = model._meta.db_table, model._meta.pk.column
    columns, want = normal_rows(expected, model)
    actual_columns, got = normal_rows(actual, model)
    if actual_columns != columns:
        return f"{table}: columns {columns} became {actual_columns}"
    counts = f"{len(want)} rows in the dump, {len(got)} after the upgrade"
    for pk in sorted(want.keys() | got.keys()):
        if pk not in got:
            return f"{table} ({counts}): row {key}={pk} lost: {shown_row(columns, want[pk])}"
        if pk not in want:
            return f"{table} ({counts}): row {key}={pk} added: {shown_row(columns, got[pk])}"
        if want[pk] != got[pk]:
            changes = ", ".join(
                f"{column} {shown(old)} became {shown(new)}"
                for column, old, new in zip(columns, want[pk], got[pk], strict=True)
                if old != new
            )
            return (
                f"{table} ({counts}): row {key}={pk} changed: {changes}; "
                f"it was {shown_row(columns, want[pk])}"
            )
    if connection.vendor == "sqlite":  # the dump's own backend: the very same values
        for number, (old, new) in enumerate(zip(expected["rows"], actual["rows"], strict=True)):
            if old != new:
                return f"{table}: row {number} was stored as {old}, is now stored as {new}"
        if actual["types"] != expected["types"]:
            return f"{table}: column types {expected['types']} became {actual['types']}"
    return ""


def assert_same_rows(fixture: dict[str, Any], table_model: dict[str, type[models.Model]]) -> None:
    upgraded = dump(fixture)["tables"]
    differences = [
        difference
        for table in sorted(fixture)
        if (difference := table_difference(fixture[table], upgraded[table], table_model[table]))
    ]
    assert not differences, "Rows changed by the upgrade, first difference per table:\n" + (
        "\n".join(differences)
    )


def assert_sequences_continue(tables: Iterable[str]) -> None:
    """On PostgreSQL each table's id sequence hands out an id above the loaded ones."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            for sequence in connection.introspection.get_sequences(cursor, table):
                cursor.execute(f"SELECT last_value, is_called FROM {quote(sequence['name'])}")
                last, called = cursor.fetchone()
                cursor.execute(f"SELECT max({quote(sequence['column'])}) FROM {quote(table)}")
                (highest,) = cursor.fetchone()
                upcoming = last + 1 if called else last
                assert highest is None or upcoming > highest, (
                    f"{sequence['name']} would hand out {upcoming}, {table} has ids up to {highest}"
                )


# Content types ---------------------------------------------------------------------------------


def moved_permissions(*, new: bool) -> dict[tuple[str, str], int]:
    """The ids of the moved models' permissions, by (model, codename), under their old or new
    app labels."""
    ContentType.objects.clear_cache()
    found = {}
    for old_label, new_label, model in MOVED:
        rows = Permission.objects.filter(
            content_type__app_label=new_label if new else old_label, content_type__model=model
        )
        found.update({(model, permission.codename): permission.pk for permission in rows})
    return found


def expected_codenames() -> set[tuple[str, str]]:
    return {(model, f"{action}_{model}") for _, _, model in MOVED for action in ACTIONS}


def assert_content_types_moved(before: dict[tuple[str, str], int]) -> None:
    after = moved_permissions(new=True)
    assert after == before, (
        f"The moved models' permissions under their new labels {sorted(after.items())} "
        f"are not the ones they had under their old labels {sorted(before.items())}"
    )
    for old_label, new_label, model in MOVED:
        stale = ContentType.objects.filter(app_label=old_label, model=model)
        assert not stale.exists(), f"A content type {old_label}.{model} remains"
        content_type = ContentType.objects.get_by_natural_key(new_label, model)
        assert content_type.model_class() is apps.get_model(new_label, model)
        assert ContentType.objects.get_for_model(content_type.model_class()) == content_type

    user = get_user_model().objects.filter(is_superuser=False, is_active=True).order_by("pk")[0]
    names = {f"{new_label}.{action}_{model}" for _, new_label, model in MOVED for action in ACTIONS}
    with transaction.atomic():
        user.user_permissions.set(Permission.objects.filter(pk__in=after.values()))
        granted = get_user_model().objects.get(pk=user.pk)
        assert granted.has_perms(names), f"{user} lacks {names - granted.get_all_permissions()}"
        transaction.set_rollback(True)


# Figures ---------------------------------------------------------------------------------------


def first_difference(expected: Any, actual: Any, path: str = "") -> str:
    """Where ``actual`` first differs from ``expected`` (parsed JSON), or ''."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            lost, added = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
            return f"{path or '.'}: keys lost {lost}, keys added {added}"
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return ""
    if isinstance(expected, list) and isinstance(actual, list):
        for number, (want, got) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(want, got, f"{path}[{number}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path or '.'}: {len(expected)} items expected, {len(actual)} answered"
        return ""
    if expected != actual or type(expected) is not type(actual):
        return f"{path or '.'}: expected {expected!r}, answered {actual!r}"
    return ""


def pretty(answer: Any) -> list[str]:
    return json.dumps(answer, indent=1, sort_keys=True, ensure_ascii=False).splitlines()


def assert_same_figures(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    actual = json.loads(json.dumps(actual))
    assert actual["frozen_at"] == expected["frozen_at"]
    want, got = expected["responses"], actual["responses"]
    assert sorted(got, key=int) == sorted(want, key=int), "Not the same partners"
    differences = []
    first_diff: list[str] = []
    for partner in sorted(want, key=int):
        for url in sorted(set(want[partner]) | set(got[partner])):
            if url not in got[partner]:
                differences.append(f"partner {partner} {url}: not requested any more")
            elif url not in want[partner]:
                differences.append(f"partner {partner} {url}: requested, not in the figures")
            elif want[partner][url] != got[partner][url]:
                where = first_difference(want[partner][url], got[partner][url])
                differences.append(f"partner {partner} GET {url} {where}")
                if not first_diff:
                    first_diff = list(
                        difflib.unified_diff(
                            pretty(want[partner][url]),
                            pretty(got[partner][url]),
                            f"figures-1ccb197 partner {partner} {url}",
                            "answered now",
                            lineterm="",
                            n=2,
                        )
                    )[:60]
    assert not differences, (
        f"{len(differences)} API answers differ from the figures of 1ccb197; the first ones:\n"
        + "\n".join(differences[:SHOWN_DIFFERENCES])
        + "\n\nThe first of them:\n"
        + "\n".join(first_diff)
    )


# The test --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_database_of_previous_main_upgrades_with_rows_and_figures_unchanged() -> None:
    fixture = read(DUMP)["tables"]
    figures = read(FIGURES_POSTGRESQL if connection.vendor == "postgresql" else FIGURES)
    targets = old_targets()
    try:
        executor = migrate(targets)
        state = executor.loader.project_state([target for target in targets if target[1]])
        table_model = table_models(state.apps, fixture)
        assert column_names(fixture) == {
            table: sorted(data["columns"]) for table, data in fixture.items()
        }, "The database at the 1ccb197 migrations does not have the dump's columns"
        load(fixture, table_model)
        permissions = moved_permissions(new=False)
        assert set(permissions) == expected_codenames(), "The old labels lack permissions"
        types_before = column_types(fixture)

        migrate()

        assert column_types(fixture) == types_before, "The upgrade changed column types"
        assert_same_rows(fixture, table_model)
        assert_sequences_continue(fixture)
        assert_content_types_moved(permissions)
        with time_machine.travel(FROZEN_AT, tick=False):
            cache.clear()
            rules_cache_clear()
            account_data_changed()
            answered = record()
        assert_same_figures(figures, answered)
    finally:
        migrate()
