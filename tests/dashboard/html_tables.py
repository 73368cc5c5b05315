"""Read back the HTML tables the dashboard draws (st.html), as DataFrames indexed by their row headers."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "scopes": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            self.tables[-1]["scopes"].append([])
        elif tag in ("th", "td"):
            self._cell = []
            self.tables[-1]["scopes"][-1].append(dict(attrs).get("scope", tag))

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> list[dict]:
    """Every table of an HTML text: caption, rows (header row first) and the scope of each cell."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def tables(at) -> list[pd.DataFrame]:
    """The tables an AppTest run drew, in order; each DataFrame has `.attrs["caption"]`."""
    out = []
    for element in at.get("html"):
        for table in parse(element.proto.body):
            header, *rows = table["rows"]
            frame = pd.DataFrame([r[1:] for r in rows], columns=header[1:],
                                 index=pd.Index([r[0] for r in rows], name=header[0] or None))
            frame.attrs["caption"] = table["caption"]
            out.append(frame)
    return out
