"""The SVG charts and the CSV/XLSX writers, as plain functions."""

import io
import re
import zipfile
from xml.etree import ElementTree  # the files parsed are the ones these tests just wrote

from reports import charts, exports

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text (inline or shared strings), row by row."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells = []
        for cell in row.iter(f"{{{NS['m']}}}c"):
            kind = cell.get("t")
            if kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t")))
                continue
            value = cell.find("m:v", NS)
            text = value.text if value is not None else ""
            cells.append(shared[int(text)] if kind == "s" else text)
        rows.append(cells)
    return rows


def test_a_bar_chart_escapes_its_labels_and_links_each_bar():
    points = [
        charts.Point("<b>一月</b>", 3, "3", "/reports/incidents/volume/?a=1&b=2"),
        charts.Point("二月", None),
        charts.Point("三月", 6, "6", ""),
    ]
    svg = str(charts.bar_chart(points, title="每周事件 & more"))
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<b>" not in svg
    assert "&lt;b&gt;一月&lt;/b&gt;" in svg
    assert "<title>每周事件 &amp; more</title>" in svg
    assert svg.count("<rect") == 2  # nothing drawn for a bucket with nothing to measure
    assert 'href="/reports/incidents/volume/?a=1&amp;b=2"' in svg
    ElementTree.fromstring(svg)  # noqa: S314 well-formed XML: it prints and embeds as is


def test_a_line_chart_leaves_a_gap_where_nothing_was_measured():
    points = [charts.Point(str(i), v) for i, v in enumerate([1, 2, None, 4, 5, None, 7])]
    svg = str(charts.line_chart(points, title="MTTR", max_value=10))
    polylines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert [len(p.split()) for p in polylines] == [2, 2]  # the lone 7 is a dot, not a line
    assert svg.count("<circle") == 5
    ElementTree.fromstring(svg)  # noqa: S314 well-formed XML


def test_a_horizontal_bar_chart_has_a_row_per_section():
    points = [charts.Point("网络科", 0.6, "60.0%"), charts.Point("系统科", 0.4, "40.0%")]
    svg = str(charts.hbar_chart(points, title="share"))
    assert "网络科" in svg
    assert "60.0%" in svg
    assert svg.count("<rect") == 2
    ElementTree.fromstring(svg)  # noqa: S314 well-formed XML


def test_csv_streams_rows_with_a_byte_order_mark():
    response = exports.csv_response("t", ["部门", "n"], iter([["网络科", 3], ["a,b", None]]))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert body == '\ufeff部门,n\r\n网络科,3\r\n"a,b",\r\n'


def test_xlsx_holds_the_same_cells(tmp_path):
    rows = [["网络科", 3, 0.75], ["系统科", 0, None]]
    response = exports.xlsx_response("t", "OLA/各科", ["部门", "n", "rate"], iter(rows))
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == exports.XLSX_TYPE
    # An empty cell is not written at all.
    assert read_xlsx(data) == [["部门", "n", "rate"], ["网络科", "3", "0.75"], ["系统科", "0"]]


def test_xlsx_writes_many_rows_in_constant_memory():
    """50,000 rows go through without holding them: the rows come from a generator and the
    workbook flushes each one (XlsxWriter's constant_memory mode)."""
    import tracemalloc

    def rows():
        for i in range(50_000):
            yield [f"INC-2026-{i:06d}", "标题" * 10, "网络科", i]

    tracemalloc.start()
    buffer = io.BytesIO()
    exports.write_xlsx(buffer, "big", ["number", "title", "section", "n"], rows())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    assert len(read_xlsx(buffer.getvalue())) == 50_001
