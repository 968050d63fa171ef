"""Exports of the report tables and drill-down lists: CSV streamed row by row, XLSX written
by XlsxWriter in constant-memory mode to a temporary file that is then streamed. Both take
the same rows the page shows, so the numbers agree with the page and the API."""

import csv
import tempfile
from collections.abc import Iterable, Sequence

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel opens a UTF-8 CSV as UTF-8 (Chinese names) only with a byte-order mark.
BOM = "\ufeff"
SHEET_NAME_MAX = 31


class _Echo:
    """A file-like object whose write returns what it was given (the csv module's writer
    formats one row at a time, which the response streams)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(columns: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([str(c) for c in columns])
    for row in rows:
        yield writer.writerow(["" if v is None else v for v in row])


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(filename: str, columns: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV: one row is formatted at a time, whatever the number of rows."""
    response = StreamingHttpResponse(_csv_lines(columns, rows), content_type=CSV_TYPE)
    return _attachment(response, f"{filename}.csv")


def _sheet_name(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:SHEET_NAME_MAX] or "Sheet1"


def write_xlsx(target, title: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write one sheet into ``target`` (a path or a binary file). Constant memory: XlsxWriter
    flushes each row to its temporary file as soon as the next one starts."""
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "in_memory": False, "strings_to_urls": False},
    )
    try:
        sheet = workbook.add_worksheet(_sheet_name(str(title)))
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, [str(c) for c in columns], bold)
        widths = [max(len(str(c)) * 2, 10) for c in columns]
        for column, width in enumerate(widths):
            sheet.set_column(column, column, min(width, 40))
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, ["" if v is None else v for v in row])
    finally:
        workbook.close()


def xlsx_response(filename: str, title: str, columns: Sequence[str], rows: Iterable[Sequence]):
    """An XLSX answer: written to an anonymous temporary file, then streamed in blocks."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 closed by the response when it is sent
    write_xlsx(spool, title, columns, rows)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    return _attachment(response, f"{filename}.xlsx")


def export_response(fmt: str, filename: str, title: str, columns, rows):
    """The answer for ``fmt`` ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return xlsx_response(filename, title, columns, rows)
    return csv_response(filename, columns, rows)
