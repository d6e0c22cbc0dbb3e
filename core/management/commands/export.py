"""``manage.py export``: every row of a resource as CSV or XLSX on standard output.

It takes django-import-export's arguments (the format, then the resource: a dotted path, or
``app_label.Model`` for the resource the model's admin exports with, and ``--encoding``) and
writes the files the admin's export does, which ``manage.py import`` reads back unchanged.
"""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.formats import file_format, is_binary, resource_for


class Command(BaseCommand):
    help = "Export every row of a resource (or a model's admin resource) as CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", help="CSV or XLSX (or another django-import-export format).")
        parser.add_argument(
            "resource",
            help="A resource class as a dotted path, or a model as app_label.Model.",
        )
        parser.add_argument("--encoding", help="The text encoding of a CSV file (default UTF-8).")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = file_format(options["format"], None, options["encoding"])
        resource = resource_for(options["resource"])
        binary = is_binary(fmt)
        if binary and self.stdout.isatty():
            raise CommandError(f"{options['format']} is binary: redirect the output to a file.")
        data = fmt.export_data(resource.export(force_native_type=binary))
        if isinstance(data, str):
            data = data.encode(options["encoding"] or "utf-8")
        cast(BinaryIO, self.stdout.buffer).write(data)
