"""shortener/spreadsheet_cells.py: CSV cells a spreadsheet reads as text, never as a formula
(OWASP CSV Injection), and read back as they were."""

import csv
import io

import pytest

from shortener.links.export import links_csv
from shortener.spreadsheet_cells import escape_cell, unescape_cell
from tests.helpers import add_link

# What a spreadsheet may run: a formula at the start of a cell, after a separator some locale
# splits on (';' in much of Europe, tabs, '|'), after leading blanks, or in the full-width and
# small forms that CJK input methods produce and spreadsheets fold to ASCII.
DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1+1", "x;=1+1", "x,=1+1", "x\t=1",
             "x|=1", "x\n=1", "x; @A1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1", "x;\uff1d1",
             "\ufe661", "\ufe621", "\ufe631", "\ufe6bA1"]
HARMLESS = ["Launch", "a-b", "a=b", "x; y", "it's", "", "100%", "e-mail: a@b.c", "2030-12-31T23:59:00"]
QUOTED = ["'=1", "x;''=1", "''", "'", "' =1"]


def _formula_after_a_split(cell: str) -> bool:
    """Whether a piece of ``cell``, split as any locale might, starts like a formula once
    blanks are trimmed and full-width forms folded."""
    pieces = cell
    for separator in ";,\t|\r\n":
        pieces = pieces.replace(separator, "\x00")
    folded = str.maketrans("\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b", "=+-@=+-@")
    return any(piece.strip(" ").translate(folded)[:1] in ("=", "+", "-", "@")
               for piece in pieces.split("\x00"))


@pytest.mark.parametrize("cell", DANGEROUS)
def test_no_piece_of_an_escaped_cell_starts_a_formula(cell):
    assert _formula_after_a_split(cell)
    assert not _formula_after_a_split(escape_cell(cell))


@pytest.mark.parametrize("cell", HARMLESS)
def test_harmless_cells_are_written_as_they_are(cell):
    assert escape_cell(cell) == cell


@pytest.mark.parametrize("cell", DANGEROUS + HARMLESS + QUOTED)
def test_an_escaped_cell_reads_back_as_it_was(cell):
    assert unescape_cell(escape_cell(cell)) == cell


def test_the_links_export_escapes_titles(app, auth):
    owner = auth.create_user("alice")
    for n, title in enumerate(["x;=HYPERLINK(1)", "\uff1dcmd", "\t+1"]):
        add_link(app, owner, f"s{n}", f"https://example.com/{n}", title=title)
    with app.app_context():
        text = "".join(links_csv(owner, lambda link: "https://sho.rt/" + link.slug))
    titles = [row["title"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(titles) == sorted(["x;'=HYPERLINK(1)", "'\uff1dcmd", "'\t'+1"])
