"""HTML article pages (import only): a saved news page becomes one document
holding the article's main text, without navigation, scripts, cookie
banners, comments or footers.

The extraction is trafilatura's (`pip install 'annotator[html]'`, imported
only here, inside read): a maintained main-content extractor, where
hand-written rules would break on the next site design. It is given the
page's bytes, never a URL, so nothing is fetched; no script runs (lxml
parses, nothing executes). The bytes are decoded by a byte-order mark or the
page's declared charset (`<meta charset>` or http-equiv, see `_decoded`),
else as UTF-8, else by trafilatura's detection.

Settings, and why:
- `favor_precision`: a page with no article (a home page of headlines, an
  index) yields nothing, and is refused, rather than a list of link texts;
  and less boilerplate leaks in. The cost: a very short paragraph far from
  the article body may be left out.
- `include_comments=False`: readers' comments are not the article.
- `include_tables=False`: table cells come out as "a | b" runs, poor prose
  to annotate; news pages laid out in tables still extract (their cells
  holding paragraphs are read as text).
- plain text out, one paragraph per line ("\\n"); the title is in meta (the
  headline may also open the text, where the page puts it in the article).
- dates only as the page's markup states them (see _DATE_PARAMS).

The document is named after the file (like plain text); meta holds "title",
"author", "date" (YYYY-MM-DD) and "source" (the page's canonical URL, or its
site's name), those the page gives.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Iterator

from annotator.core.errors import InputError
from annotator.core.formats.document import ParsedDocument, Problems, name_from_file
from annotator.core.model import unpaired_surrogate
from annotator.core.textio import read_bytes

INSTALL_HINT = "pip install 'annotator[html]'"
# trafilatura's own limit (its MAX_FILE_SIZE): past it, it returns nothing,
# which would be misreported as "no article".
MAX_HTML_BYTES = 20_000_000

# Where browsers look for a declared charset: a <meta charset=...> or
# <meta http-equiv="Content-Type" content="...; charset=...">.
_PRESCAN_BYTES = 4096
# Python codecs that are no page charset (browsers refuse UTF-7 too).
_NOT_PAGE_CHARSETS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7", "undefined"}
_META_CHARSET = re.compile(rb"<meta\s[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_.:-]{1,40})", re.IGNORECASE)

# Only a date the page states in its markup (published, not modified): the
# wider search guesses from any date in the text (a footer's "(c) 1999").
_DATE_PARAMS = {"original_date": True, "extensive_search": False}

# A BOM, then whitespace and comments, then the doctype or the root element.
_START = re.compile(rb"^(?:\xef\xbb\xbf)?(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html)[\s>]",
                    re.IGNORECASE | re.DOTALL)


def sniff(head: bytes) -> bool:
    return _START.match(head) is not None


def read(path: Path, progress=None, problems: Problems | None = None) -> Iterator[ParsedDocument]:
    """One document; `progress` is not called (one extraction is all there
    is), and whatever is wrong is wrong with the whole page (raised)."""
    name = name_from_file(path)
    try:
        import trafilatura
    except ImportError as e:
        raise InputError(path, None, f"importing HTML pages needs trafilatura, which is not installed ({e}); "
                                     f"install it with {INSTALL_HINT}") from None
    data = read_bytes(path)
    if len(data) > MAX_HTML_BYTES:
        raise InputError(path, None, f"is {len(data):,} bytes; HTML pages of up to {MAX_HTML_BYTES:,} bytes "
                                     "are imported (save the page without embedded images)")
    try:
        page = trafilatura.bare_extraction(_decoded(data), with_metadata=True, favor_precision=True,
                                           include_comments=False, include_tables=False,
                                           include_images=False, include_links=False,
                                           date_extraction_params=_DATE_PARAMS)
    except Exception as e:  # a third-party parser on any bytes: never a traceback
        raise InputError(path, None, f"could not be read as an HTML page ({type(e).__name__}: {e})"[:300]) from None
    text = _field(page, "text")
    if not text or not text.strip():
        raise InputError(path, None, "no article text found; is it an article page? (a home page, an "
                                     "index or a page built by scripts has no article to extract)")
    if unpaired_surrogate(text) is not None or "\x00" in text:
        raise InputError(path, None, "the article text holds characters that are not valid text")
    yield ParsedDocument(name=name, text=text, meta=_meta(page), source=str(path), line=None)


def _decoded(data: bytes) -> str | bytes:
    """The page as text by its byte-order mark or its declared charset (a
    `<meta>` in its first bytes, as browsers look for it); as bytes where it
    declares none, for trafilatura to try UTF-8 and then guess. trafilatura
    itself would guess even where the page says: a short page can be guessed
    wrong. Bytes its charset cannot decode become U+FFFD, as in a browser."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    found = _META_CHARSET.search(data, 0, _PRESCAN_BYTES)
    if found is None:
        return data
    try:
        info = codecs.lookup(found.group(1).decode("ascii"))
    except LookupError:
        return data
    if not info._is_text_encoding or info.name in _NOT_PAGE_CHARSETS:
        return data
    # As the HTML standard says: Latin-1 and ASCII labels mean windows-1252, and
    # a UTF-16 label on a page read as ASCII bytes (it found the <meta>) is wrong.
    codec = {"iso8859-1": "cp1252", "ascii": "cp1252",
             "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8"}.get(info.name, info.name)
    try:
        return data.decode(codec, errors="replace")
    except (UnicodeError, LookupError, ValueError):
        return data


def _field(page, key: str):
    """A field of trafilatura's result: a Document (2.x) or a dict (older)."""
    if page is None:
        return None
    value = page.get(key) if isinstance(page, dict) else getattr(page, key, None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _meta(page) -> dict:
    meta = {"title": _field(page, "title"), "author": _field(page, "author"), "date": _field(page, "date"),
            "source": _field(page, "url") or _field(page, "sitename") or _field(page, "hostname")}
    return {key: value for key, value in meta.items() if value is not None}
