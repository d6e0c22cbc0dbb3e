"""The file formats of the program's bulk import and export (Django admin and ``manage.py``).

django-import-export's own formats lose the formula guard's round trip: its CSV import keeps the
apostrophe that the export put in front of "+Plus Digital", and its XLSX export hands openpyxl
text such as "=1+1", which becomes a formula. Here, CSV import takes the guard off again
(``core.exports.csv_unguard``), and XLSX export writes text as text cells, with the
quote-prefix style where a spreadsheet would otherwise run it, so that every value reads back
exactly as it was exported.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import tablib
from django.contrib import admin
from import_export.command_utils import get_format_class, get_resource_class
from import_export.formats import base_formats
from import_export.resources import Resource
from openpyxl import Workbook
from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError

from core.exports import csv_unguard, runs_as_formula

# A Decimal with more significant digits than a double holds exactly is written as text.
EXACT_DIGITS = sys.float_info.dig


class CSV(base_formats.CSV):
    """CSV whose import takes the export's formula guard off every text cell."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        dataset = super().create_dataset(in_stream, **kwargs)
        rows = [
            [csv_unguard(value) if isinstance(value, str) else value for value in row]
            for row in dataset
        ]
        return tablib.Dataset(*rows, headers=dataset.headers)


class XLSX(base_formats.XLSX):
    """XLSX with typed cells: numbers, dates and booleans as such, text always a text cell."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        book = Workbook()
        sheet = book.worksheets[0]
        sheet.title = "Export"
        bold = Font(bold=True)
        try:
            for column, name in enumerate(dataset.headers or [], 1):
                put(sheet.cell(row=1, column=column), name).font = bold
            for number, row in enumerate(dataset, 2):
                for column, value in enumerate(row, 1):
                    put(sheet.cell(row=number, column=column), value)
        except IllegalCharacterError:
            raise ValueError(
                "A text value holds a control character that XLSX cannot carry: export as CSV."
            ) from None
        out = BytesIO()
        book.save(out)
        return out.getvalue()


def put(cell: Cell | MergedCell, value: Any) -> Cell | MergedCell:
    """``cell`` holding ``value`` exactly.

    Text is always a text cell (openpyxl would take "=1+1" for a formula and "#N/A" for an
    error), with the quote prefix where a spreadsheet would run it as a formula, so that the
    spreadsheet shows it, and keeps it on editing, as plain text.
    A Decimal that a spreadsheet's double cannot hold exactly is written as its text.
    """
    if isinstance(value, Decimal) and len(value.as_tuple().digits) > EXACT_DIGITS:
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # not a formula ("=1+1") nor an error ("#N/A")
        cell.quotePrefix = runs_as_formula(value)
    return cell


#: The formats offered for bulk import and export, in the admin's order.
FORMATS: tuple[type[base_formats.Format], ...] = (CSV, XLSX)
_BY_NAME = {fmt.__name__.lower(): fmt for fmt in FORMATS}


def file_format(name: str | None, file_name: str | None, encoding: str | None = None) -> Any:
    """The format called ``name`` (CSV, XLSX, another of django-import-export's or a dotted
    path), else the one that ``file_name``'s extension names. Raises CommandError."""
    key = (name or Path(file_name or "").suffix.lstrip(".")).lower()
    if key in _BY_NAME:
        return _BY_NAME[key](encoding=encoding)
    return get_format_class(name, file_name, encoding)


def resource_for(name: str) -> Resource:
    """The resource a dotted path names, or for ``app_label.Model`` the first one its admin
    imports with (as the admin's import page offers it), else django-import-export's default
    resource for the model. Raises CommandError."""
    for model, model_admin in admin.site._registry.items():
        classes = getattr(model_admin, "resource_classes", None)
        if model._meta.label_lower == name.lower() and classes:
            first: Resource = classes[0]()
            return first
    resource: Resource = get_resource_class(name)()
    return resource


def is_binary(fmt: Any) -> bool:
    """Whether ``fmt`` keeps cell types (numbers, dates): resources then export native values."""
    return isinstance(fmt, tuple(base_formats.BINARY_FORMATS))
