"""Importing a saved HTML article page: the article's text, not the page."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from annotator.core import exporter, formats, ops
from annotator.core.errors import InputError
from annotator.core.formats import html, jsonl
from annotator.core.importer import import_files
from annotator.core.storage import Project
from tests.core.helpers import spans_as_text

pytest.importorskip("trafilatura")

PAGES = Path(__file__).parent.parent / "data" / "formats" / "html"
ARTICLE = PAGES / "harbour-bridge.html"
PARAGRAPHS = [
    "The Old Harbour Bridge will reopen to traffic on Monday, ending two years of closures that forced "
    "commuters from Northport onto a forty-minute detour around the estuary.",
    "Engineers from Lindqvist & Partners replaced all 212 steel cables and rebuilt the eastern approach, "
    "which had been found to be sinking into the soft clay of the riverbank during a routine inspection in 2021.",
    "“We have essentially built a new bridge inside the old one,” said Dr Amara Chen, the project’s chief "
    "engineer. “Drivers will notice the smoother surface, but the real work is invisible.”",
    "The repairs cost £48.5 million, some £6 million more than the council’s original estimate. Councillor "
    "Tomás Ruiz said the overrun was caused by the discovery of corroded foundations that could not have "
    "been seen before the work began.",
    "Cyclists will have a separate lane for the first time, and a new footpath on the northern side will "
    "open in the summer once the lighting has been installed.",
]


def test_an_article_page_becomes_its_article_text_with_title_and_source_in_meta():
    [doc] = formats.read_file(ARTICLE)
    assert doc.name == "harbour-bridge"
    assert doc.text.split("\n") == PARAGRAPHS  # every paragraph, in order, and nothing else
    page = ARTICLE.read_text(encoding="utf-8")
    # Each of these is in the page, around the article: none may leak into the text.
    for boilerplate in ("SCRIPT_TEXT_LEAK", "STYLE_TEXT_LEAK", "COOKIE_BANNER_LEAK", "Accept all cookies",
                        "NAV_LEAK", "Subscribe", "INLINE_SCRIPT_LEAK", "RELATED_LEAK", "Most read",
                        "COMMENT_LEAK", "Comments (2)", "FOOTER_LEAK", "All rights reserved",
                        "ANOTHER_SCRIPT_LEAK", "NOSCRIPT_LEAK", "NewsArticle"):
        assert boilerplate in page
        assert boilerplate not in doc.text
    assert doc.meta == {"title": "Harbour bridge to reopen after two years of repairs", "author": "Maria Okafor",
                        "date": "2024-03-14", "source": "https://gazette.example/news/2024/03/harbour-bridge-reopens"}
    assert doc.annotator is None and doc.spans == []


def test_a_page_with_no_article_is_refused_saying_so(tmp_path):
    with pytest.raises(InputError) as caught:
        formats.read_file(PAGES / "front-page.html")
    assert caught.value.path == str(PAGES / "front-page.html")
    assert "no article text found; is it an article page?" in caught.value.message
    for content in (b"", b"<!doctype html><html><body></body></html>", bytes(range(256)) * 20):
        (tmp_path / "page.html").write_bytes(content)
        with pytest.raises(InputError, match="page.html: no article text found"):
            formats.read_file(tmp_path / "page.html")


def test_a_windows_1252_page_is_decoded_by_its_declared_charset():
    [doc] = formats.read_file(PAGES / "cafe-windows-1252.html")
    # €, curly quotes, dashes and the ellipsis are where windows-1252 differs from Latin-1.
    assert "Its owner, Zoë Müller, said she paid €5,000 for new chairs alone." in doc.text
    assert "“Le Naïf” to its regulars – reopened" in doc.text and "‘and that is saying something.’" in doc.text
    assert "crêpes, café au lait and the famous piña colada cake… at the same prices" in doc.text
    assert "\ufffd" not in doc.text
    assert doc.meta["title"] == "Café Le Naïf reopens"
    # A date guessed from the footer's "© 1999–2024" is no date the page states.
    assert "date" not in doc.meta


def test_the_declared_charset_wins_over_a_guess(tmp_path):
    text = "Ζωή Μύλλερ πλήρωσε πέντε χιλιάδες ευρώ για καινούριες καρέκλες στο καφενείο της πλατείας."
    for declared, codec in (("iso-8859-7", "iso8859_7"), ("koi8-r", "koi8_r")):
        page = (f'<html><head><meta http-equiv="content-type" content="text/html; charset={declared}">'
                f"</head><body><article><p>{text}</p><p>{text}</p></article></body></html>")
        raw = page.encode("iso8859_7")
        (tmp_path / "p.html").write_bytes(raw)
        [doc] = formats.read_file(tmp_path / "p.html")
        assert doc.text.split("\n")[0] == raw[raw.index(b"<p>") + 3:raw.index(b"</p>")].decode(codec)


def test_a_page_labelled_latin_1_is_read_as_windows_1252_as_browsers_do(tmp_path):
    # Pages saved by Windows tools say ISO-8859-1 and hold windows-1252's € and quotes.
    text = "Zoë Müller paid €5,000 for new chairs – “the old ones were older than me”, she said at the café."
    more = "The café reopened on Saturday after a rénovation that took most of the winter, its owner said."
    page = ('<html><head><meta charset="ISO-8859-1"></head><body><article>'
            f"<p>{text}</p><p>{more}</p></article></body></html>")
    (tmp_path / "p.html").write_bytes(page.encode("cp1252"))
    [doc] = formats.read_file(tmp_path / "p.html")
    assert doc.text == f"{text}\n{more}"


def test_an_imported_article_is_annotated_and_goes_out_and_back_through_jsonl_unchanged(tmp_path):
    with Project.open(tmp_path / "p.db") as project:
        import_files(project, [ARTICLE], annotator="kim")
        [summary] = project.document_summaries("kim")
        text = project.document(summary.id).text
        for part, label in (("Amara Chen", "actor"), ("Lindqvist & Partners", "organisation"),
                            ("Monday", "date"), ("“We have essentially built a new bridge inside the old one,”",
                                                 "quote")):
            start = text.index(part)
            ops.tag_span(project, summary.id, "kim", label, start, start + len(part))
        out = io.StringIO()
        jsonl.write(exporter.layers(project), out)
        (tmp_path / "out.jsonl").write_text(out.getvalue(), encoding="utf-8")
        before = spans_as_text(project.path)
    with Project.open(tmp_path / "again.db") as again:
        import_files(again, [tmp_path / "out.jsonl"], annotator=None)
        [summary] = again.document_summaries("kim")
        assert again.document(summary.id).text == text == "\n".join(PARAGRAPHS)
        assert spans_as_text(again.path) == before and len(before) == 4


@pytest.mark.parametrize("head, is_html", [
    (b"<!DOCTYPE html>\n<html>", True),
    (b"\xef\xbb\xbf  \n<!-- saved from url=(0042)https://gazette.example/ -->\n<HTML lang='en'>", True),
    (b'<!doctype html public "-//W3C//DTD HTML 4.01//EN">', True),
    (b"<html>", True),
    (b"<htmlx>", False),
    (b'<?xml version="1.0"?><rss>', False),
    (b"<p>a fragment</p>", False),
    (b"The <html> element is the root.", False),
    (b'{"text": "<html>"}', False),
])
def test_a_page_is_recognised_by_its_start(head, is_html):
    assert html.sniff(head) is is_html


def test_a_saved_page_without_a_suffix_is_recognised_by_its_content(tmp_path):
    (tmp_path / "article").write_bytes(ARTICLE.read_bytes())
    assert formats.recognise(tmp_path / "article").name == "html"


def test_without_trafilatura_the_message_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura now raises ImportError
    with pytest.raises(InputError, match=r"harbour-bridge\.html: .*pip install 'annotator\[html\]'"):
        formats.read_file(ARTICLE)
