"""CSV and XLSX downloads that stream, and never hand a spreadsheet a formula to run.

Every page and API export goes through ``export_response``: rows are consumed lazily (an
iterator of tuples) and both formats stream as they are read. An XLSX file is a zip of a few
fixed XML parts and one worksheet; the worksheet is written row by row into a zip that the
standard library streams (entries with data descriptors, ZIP64 so that a worksheet may pass
4 GiB), so the first bytes leave before the last row is read and memory stays flat whatever
the number of rows.

The formula guard: in XLSX, text that a spreadsheet would run as a formula is a text cell with
the quote-prefix style (the cell holds exactly the text); CSV has no styles, so such text gets a
leading apostrophe (``csv_guard``), which ``csv_unguard`` takes off again when a file is
imported.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

FORMATS = ("csv", "xlsx")
# A cell that starts with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The CSV guard's mark; text that starts with it and then one of these is guarded too, so that
# the guard can be told from the text and taken off exactly.
QUOTE = "'"
_AFTER_QUOTE = (*FORMULA_PREFIXES, QUOTE)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILENAME = 80


class ExportError(ValueError):
    """A request for an export that cannot be made (unknown format, empty name)."""


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` typed into a cell as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def csv_guard(text: str) -> str:
    """``text`` for a CSV cell: a leading apostrophe (which spreadsheets show as plain text)
    before text that could run as a formula, and before text that already starts with an
    apostrophe followed by such a character or another apostrophe, so that ``csv_unguard``
    gives back exactly ``text``."""
    if runs_as_formula(text) or (text.startswith(QUOTE) and text[1:2] in _AFTER_QUOTE):
        return QUOTE + text
    return text


def csv_unguard(text: str) -> str:
    """The text that ``csv_guard`` made ``text`` from: one leading apostrophe taken off when
    it is followed by = + - @ TAB CR or an apostrophe."""
    if text.startswith(QUOTE) and text[1:2] in _AFTER_QUOTE:
        return text[1:]
    return text


def cell_value(value: Any) -> Any:
    """A value as a cell shows it: None is empty, a boolean "yes" or "no"; numbers and dates
    stay as they are, anything else is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal | float | date | datetime):
        return value
    return str(value)


def neutralise(value: Any) -> Any:
    """A CSV cell value safe to open in a spreadsheet: text that could run as a formula is
    guarded (``csv_guard``); numbers stay numbers (a negative Decimal is data, not a formula).
    """
    value = cell_value(value)
    return csv_guard(value) if isinstance(value, str) else value


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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
XLSX_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>'
        '<sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML}<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Style 1 shows a date, style 2 a date and time; style 3 is text with a quote prefix (a
    # spreadsheet keeps it text even when it is edited).
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="4">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_EPOCH = date(1899, 12, 30)  # day 0 of a spreadsheet's dates
# Characters XML 1.0 cannot carry: a spreadsheet would refuse the whole file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XLSX_ROWS_PER_CHUNK = 500


def _xlsx_cell(value: Any) -> str:
    value = cell_value(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        serial = (value.date() - _EPOCH).days + seconds / 86400
        return f'<c s="2"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c s="1"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | Decimal | float):
        return f"<c><v>{value}</v></c>"
    text = _NOT_XML.sub("", value)
    if not text:
        return "<c/>"
    style = ' s="3"' if runs_as_formula(text) else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _xlsx_row(values: Sequence[Any]) -> str:
    return "<row>" + "".join(_xlsx_cell(v) for v in values) + "</row>"


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken as they come: the zip cannot seek back."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _xlsx_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        yield pipe.take()
        # ZIP64 from the start: the size is not known until the last row, and a worksheet
        # past 4 GiB would otherwise fail at the end, long after the response began.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            sheet.write(_xlsx_row(header).encode())
            batch: list[str] = []
            for row in rows:
                batch.append(_xlsx_row(row))
                if len(batch) == XLSX_ROWS_PER_CHUNK:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    yield pipe.take()
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield pipe.take()


def export_response(
    *, header: Sequence[str], rows: Iterable[Sequence[Any]], name: str, fmt: str
) -> StreamingHttpResponse:
    """A download of ``rows`` under ``name`` as CSV or XLSX. Raises ExportError on bad input."""
    fmt = (fmt or "").lower()
    filename = export_filename(name, fmt)
    stream = _csv_stream(header, rows) if fmt == "csv" else _xlsx_stream(header, rows)
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
