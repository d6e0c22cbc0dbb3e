"""CSV and XLSX downloads that stream, and never hand a spreadsheet a formula to run.

Every page and API export goes through ``export_response``: rows are consumed lazily (an
iterator of tuples), CSV streams row by row, XLSX is written by openpyxl's write-only
workbook to a temporary file and streamed from there.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify

FORMATS = ("csv", "xlsx")
# A cell that starts with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILENAME = 80


class ExportError(ValueError):
    """A request for an export that cannot be made (unknown format, empty name)."""


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that could run as a formula is quoted.

    Numbers stay numbers (a negative Decimal is data, not a formula); text gets a leading
    apostrophe, which spreadsheets show as plain text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal | float | date | datetime):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def export_filename(name: str, fmt: str) -> str:
    """A safe download name from what the user typed: letters, digits, dashes; never empty."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose CSV or XLSX.")
    stem = slugify(re.sub(r"\.(csv|xlsx)$", "", name.strip(), flags=re.IGNORECASE))[:MAX_FILENAME]
    if not stem:
        raise ExportError("Give the export a name made of letters or digits.")
    return f"{stem}.{fmt}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def _xlsx_file(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    # FileResponse closes the file once it has been sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_response(
    *, header: Sequence[str], rows: Iterable[Sequence[Any]], name: str, fmt: str
) -> StreamingHttpResponse | FileResponse:
    """A download of ``rows`` under ``name`` as CSV or XLSX. Raises ExportError on bad input."""
    fmt = (fmt or "").lower()
    filename = export_filename(name, fmt)
    if fmt == "csv":
        response: StreamingHttpResponse | FileResponse = StreamingHttpResponse(
            _csv_stream(header, rows), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        _xlsx_file(header, rows),
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES["xlsx"],
    )
