"""``manage.py import``: a bulk load from a CSV or XLSX file, all or nothing.

It takes django-import-export's arguments (that command reports the counts of a file it rolled
back and exits 0): the resource (a dotted path, or ``app_label.Model`` for the resource the
model's admin imports with), the file (``-`` for standard input), ``--format``, ``--encoding``,
``--dry-run``, ``--no-input`` and ``--raise-errors``. Every bad row is printed with its row
number, column and message, and then nothing is written and the command exits 1; otherwise the
counts printed are those of the rows written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from import_export.results import Result, RowResult

from core.formats import file_format, resource_for
from core.resources import RowError, import_errors

DEFAULT_ENCODING = "utf-8-sig"  # UTF-8, with or without the byte-order mark spreadsheets add


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file through a resource, all or nothing: any bad row is printed "
        "(row, column, message) and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "resource",
            help="A resource class as a dotted path (clients.resources.ClientResource), or a "
            "model as app_label.Model (clients.Client) for the resource its admin imports with.",
        )
        parser.add_argument("import_file_name", help='The file to import ("-" for stdin).')
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--raise-errors", action="store_true", help="Raise the first error as an exception."
        )
        parser.add_argument(
            "-n", "--dry-run", action="store_true", help="Check the file and write nothing."
        )
        parser.add_argument(
            "--format",
            help="CSV or XLSX (or another django-import-export format); by default "
            "the file name's extension.",
        )
        parser.add_argument(
            "--encoding", help=f"The text encoding of a CSV file (default {DEFAULT_ENCODING})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file_name: str = options["import_file_name"]
        dry_run: bool = options["dry_run"]
        if options["interactive"] and not dry_run:
            if file_name == "-":
                raise CommandError("Reading the file from standard input needs --no-input.")
            if input("Are you sure you want to import the data? [yes/no]: ") != "yes":
                raise CommandError("Import cancelled.")
        resource = resource_for(options["resource"])
        fmt = file_format(options["format"], file_name, options["encoding"])
        dataset = self.read(fmt, file_name, options["encoding"] or DEFAULT_ENCODING)
        with transaction.atomic():
            result = resource.import_data(
                dataset, dry_run=dry_run, raise_errors=options["raise_errors"]
            )
            errors = import_errors(result, resource)
            if errors or dry_run:
                transaction.set_rollback(True)
        if errors:
            for error in errors:
                self.stderr.write(describe(error))
            count = len(errors)
            raise CommandError(f"Nothing was imported: {count} error{'s' * (count != 1)}.")
        what = resource._meta.model._meta.verbose_name_plural
        counts = summary(result)
        if dry_run:
            self.stdout.write(f"Dry run, nothing was written: {counts} {what}.")
        else:
            self.stdout.write(f"Imported {counts} {what}.")

    def read(self, fmt: Any, file_name: str, encoding: str) -> Any:
        """The file as a dataset; CommandError if it cannot be read as ``fmt``."""
        try:
            data = sys.stdin.buffer.read() if file_name == "-" else Path(file_name).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file_name}: {exc.strerror or exc}.") from None
        if not fmt.is_binary():
            try:
                data = data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                raise CommandError(
                    f"{file_name} is not {encoding} text: give its encoding with --encoding."
                ) from None
        try:
            return fmt.create_dataset(data)
        except Exception as exc:  # any reader's error: the file is not what the format says
            raise CommandError(f"Cannot read {file_name} as {type(fmt).__name__}: {exc}") from None


def describe(error: RowError) -> str:
    """One error as a line: "Row 3, column currency: Unknown currency 'XYZ' ..."."""
    if not error.row:
        return f"File: {error.message}"
    where = f"Row {error.row}, column {error.column}" if error.column else f"Row {error.row}"
    return f"{where}: {error.message}"


def summary(result: Result) -> str:
    """The counts of an import: "2 new, 1 updated, 0 unchanged (skipped)" (and deletions)."""
    totals = result.totals
    text = (
        f"{totals.get(RowResult.IMPORT_TYPE_NEW, 0)} new, "
        f"{totals.get(RowResult.IMPORT_TYPE_UPDATE, 0)} updated, "
        f"{totals.get(RowResult.IMPORT_TYPE_SKIP, 0)} unchanged (skipped)"
    )
    deleted = totals.get(RowResult.IMPORT_TYPE_DELETE, 0)
    return f"{text}, {deleted} deleted" if deleted else text
