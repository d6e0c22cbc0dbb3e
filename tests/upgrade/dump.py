"""Dump the project's tables, every column and every row, to a gzipped JSON file.

For the app-restructuring upgrade test: ``main-1ccb197.json.gz`` beside this file is a database
created by the code of commit 1ccb197 and dumped by this script. ``test_upgrade.py`` migrates
that data to the new app layout, dumps the same tables again (``dump()``; ``--tables-from
main-1ccb197.json.gz`` from the command line) and checks that every table, column and row is
unchanged.

The tables are those of the models of the apps in ``APPS`` (with their auto-created M2M
tables), plus ``EXTRA_TABLES``; ``--tables-from`` reads the list from an earlier dump instead,
so that code whose models have moved dumps the same tables. Rows are read with raw SQL, in
primary-key order, and written losslessly: a Decimal as a string, a date, time or datetime in
ISO format, bytes as ``{"base64": ...}`` (SQLite hands decimal columns back as the int or float
it stores, kept as JSON numbers). The output is byte-for-byte the same for the same data.

Run it from the project root, with Django settings from the environment::

    python tests/upgrade/dump.py OUT.json.gz [--tables-from OLD.json.gz]

The committed fixture was made in a worktree of 1ccb197 (``cd /tmp/oldmain``) on SQLite, with
the clock frozen at 2026-12-03 12:00 UTC and a fixed hash seed (seed_demo numbers commission
payments in set order)::

    export DATABASE_URL=sqlite:////tmp/oldmain/upgrade.sqlite3 PYTHONHASHSEED=0
    FROZEN='import datetime as d, runpy, sys, time_machine
    sys.argv = sys.argv[1:]
    with time_machine.travel(d.datetime(2026, 12, 3, 12, tzinfo=d.UTC), tick=False):
        runpy.run_path(sys.argv[0], run_name="__main__")'
    python -c "$FROZEN" manage.py migrate --noinput
    python -c "$FROZEN" manage.py seed_demo  # 20 partners besides Acme and Globex, seed 42
    python /work/main/tests/upgrade/dump.py /work/main/tests/upgrade/main-1ccb197.json.gz

Seeding again so gives the same rows but for ``auth_user.password`` (a fresh salt).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import json
import os
import sys
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.db import connection

APPS = ("partners", "clients", "points", "tiers", "commissions")
EXTRA_TABLES = ("auth_user", "auth_group", "auth_user_groups")


def app_tables() -> list[str]:
    """The tables of the models of ``APPS`` (auto-created M2M ones too), and ``EXTRA_TABLES``."""
    tables = set(EXTRA_TABLES)
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not model._meta.proxy:
                tables.add(model._meta.db_table)
    return sorted(tables)


def read(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def plain(value: Any) -> Any:
    """A database value as JSON, losslessly."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | dict):  # a JSON column that the driver has already parsed
        return value
    raise TypeError(f"No JSON form for {type(value).__name__}: {value!r}")


def describe(cursor: Any, table: str) -> list[tuple[str, Any]]:
    """The name and type of each column, in table order.

    On SQLite straight from ``PRAGMA table_xinfo``: Django 5.2's ``get_table_description``
    raises IndexError there on a CHECK constraint with an ``IN (1, 3, ...)`` list, as it
    splits the CREATE TABLE statement on ", " to find column collations (tiers_reviewdate).
    """
    if connection.vendor == "sqlite":
        cursor.execute(f"PRAGMA table_xinfo({connection.ops.quote_name(table)})")
        return [(row[1], row[2]) for row in cursor.fetchall()]
    description = connection.introspection.get_table_description(cursor, table)
    return [(column.name, column.type_code) for column in description]


def dump_table(cursor: Any, table: str) -> dict[str, Any]:
    """One table: its column names and types, and its rows in primary-key order."""
    description = describe(cursor, table)
    if not description:
        raise LookupError(f"No table {table}")
    columns = [name for name, _ in description]
    keys = connection.introspection.get_primary_key_columns(cursor, table) or columns
    quote = connection.ops.quote_name
    cursor.execute(
        f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} "
        f"ORDER BY {', '.join(map(quote, keys))}"
    )
    return {
        "columns": columns,
        "types": [plain(type_code) for _, type_code in description],
        "rows": [[plain(value) for value in row] for row in cursor.fetchall()],
    }


def dump(tables: Iterable[str]) -> dict[str, Any]:
    """The ``tables``, as ``{"tables": {name: dump_table(...)}}``, in name order."""
    with connection.cursor() as cursor:
        return {"tables": {table: dump_table(cursor, table) for table in sorted(tables)}}


def main() -> None:
    parser = argparse.ArgumentParser(description="Dump the project's tables to gzipped JSON.")
    parser.add_argument("out", type=Path, help="the .json.gz file to write")
    parser.add_argument("--tables-from", type=Path, help="dump the tables of this earlier dump")
    args = parser.parse_args()

    sys.path.insert(0, os.getcwd())  # the project root: run from it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings.local")
    django.setup()

    tables = sorted(read(args.tables_from)["tables"]) if args.tables_from else app_tables()
    dumped = dump(tables)
    text = json.dumps(dumped, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    rows = sum(len(table["rows"]) for table in dumped["tables"].values())
    print(f"{args.out}: {len(tables)} tables, {rows} rows, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
