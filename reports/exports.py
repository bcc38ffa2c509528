"""XLSX of the report tables and of the case list: openpyxl's write-only workbook, rows streamed from an
iterator, the file written to a temporary file on disk and sent in chunks, so that memory does not grow with
the number of rows (100,000 cases stay far below 200 MB: ``python -m bench reports`` measures it).

What a sheet shows is what the page shows the same reader: the same columns, the same masking (the case list
shows no party's phone or ID number to anyone, so neither does its sheet)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, column headings, rows


def write_xlsx(sheets: Iterable[Sheet], target: Any) -> None:
    """Writes the sheets into ``target`` (a path or a binary file), one row at a time."""
    book = Workbook(write_only=True)
    for title, headings, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        header = []
        for heading in headings:
            cell = WriteOnlyCell(sheet, value=str(heading))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(value) for value in row])
    book.save(target)


def _cell(value: Any) -> Any:
    """Numbers stay numbers; anything else is the text the page shows (a lazy translation, a date)."""
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return value
    return str(value)


def _chunks(spool: Any) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> StreamingHttpResponse:
    """The workbook as a download, streamed from a temporary file (deleted once sent)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by ``_chunks`` once sent)
    write_xlsx(sheets, spool)
    response = StreamingHttpResponse(_chunks(spool), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
