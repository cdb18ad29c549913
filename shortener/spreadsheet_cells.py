"""CSV cells that a spreadsheet reads as text, never as a formula (OWASP's CSV Injection page).

A spreadsheet runs a cell that starts with ``= + - @`` (or a tab or carriage return before one).
Some locales split a cell on ``;`` (or a tab, ``|``, a line break) when the file is opened or
pasted, so a formula can also hide after a separator (``x;=1+1``); spreadsheets trim blanks and
fold the full-width and small forms of CJK input (``＝ ＋ － ＠``, ``﹦ ﹢ ﹣ ﹫``) to ASCII. So a
``'`` (which makes the rest text) goes before every such start: of the cell and after each
separator, after any blanks. A start that already has quotes before it gets one more, so
``unescape_cell`` gives back exactly what was escaped (the CSV import reads our exports back).
"""

import csv
import io
import re

TRIGGERS = "=+\\-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b"
SEPARATORS = ",;\t|\r\n"
_START = rf"(^|[{SEPARATORS}])( *)"
_ESCAPE = re.compile(rf"{_START}(?='*[{TRIGGERS}])")
_UNESCAPE = re.compile(rf"{_START}'(?='*[{TRIGGERS}])")
EXPORT_BATCH = 1000  # rows per chunk of a streamed export: constant memory, few round trips


def escape_cell(text: str) -> str:
    return _ESCAPE.sub(r"\1\2'", text)


def unescape_cell(text: str) -> str:
    """``text`` as it was before ``escape_cell``."""
    return _UNESCAPE.sub(r"\1\2", text)


def csv_lines(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def csv_cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # Referrers, agents and titles are chosen by others: never a formula in a spreadsheet.
    return escape_cell(str(value))
