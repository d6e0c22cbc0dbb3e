"""CSV and XLSX downloads that stream, and never hand a spreadsheet a formula to run.

Every page and API export goes through ``export_response``: rows are consumed lazily (an
iterator of tuples) and both formats stream as they are read. An XLSX file is a zip of a few
fixed XML parts and one worksheet; the worksheet is written row by row into a zip that the
standard library streams (entries with data descriptors), so the first bytes leave before the
last row is read and memory stays flat whatever the number of rows.
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
    # Style 1 shows a date, style 2 a date and time.
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="3">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
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
    value = neutralise(value)
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
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


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
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
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
