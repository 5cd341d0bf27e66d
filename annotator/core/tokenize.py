"""The one tokenizer: where words begin and end in a document's text.

Shared by inter-annotator agreement (core/agreement.py), and meant for word
snapping in the editor and CoNLL export, so that all three agree on what a
word is. Offsets are code points, end exclusive, like every span.

The rules, in the order they are tried at each position:

- whitespace, control and invisible format characters (Unicode Cc, Cf:
  zero-width space, BOM, bidi marks) are never a token, nor part of one
  (except the joiners inside a word, below);
- an emoji is one token: an extended grapheme cluster that starts with an
  Extended_Pictographic or regional-indicator character (so a ZWJ family, a
  skin tone and a flag are each one token);
- a Chinese or Japanese ideograph, hiragana or katakana character is a token
  by itself (with any combining marks after it). There are no spaces to
  find words by, and one character per token is the usual unit for agreement
  on such text. Korean is written with spaces: Hangul syllables are letters,
  so a Korean word is one token;
- a possessive 's or ’s (either apostrophe, s or S, not followed by a letter)
  is a token of its own: Kim's is "Kim" then "'s";
- a word: letters, digits and combining marks (any script: Latin, Cyrillic,
  Arabic with its vowel marks, Hangul, Devanagari's spacing vowel signs),
  joined into one token across a hyphen (Jong-un, COVID-19), an apostrophe
  that is not a possessive (O'Brien, don't), a zero-width (non-)joiner or soft
  hyphen (Persian, German), and a comma or full stop between two digits
  (1,000.5);
- anything else (punctuation, symbols) is one token per character, with its
  combining marks. Punctuation is kept, not skipped, so every visible
  character of a text is in exactly one token (what CoNLL export needs).
  "11/07/1961" is five tokens: the slash separates like any punctuation.

Not handled, on purpose: abbreviations ("U.S." is four tokens), Thai and
other scripts written without spaces or ideographs (a run of letters is one
token), clitics other than the possessive.

Why the `regex` package and not the standard `re`: it has the Unicode
properties these rules are written in (\\p{Han}, \\p{Extended_Pictographic},
\\p{M}) and grapheme clusters (\\X), kept current with each Unicode version.
With `re`, marks (\\w misses Devanagari's vowel signs and Arabic's harakat),
scripts and emoji would have to be hand-made code-point tables, which go out
of date and get ZWJ sequences wrong.
"""

from __future__ import annotations

import re

import regex

__all__ = ["snap", "tokens", "word_at", "is_word"]

# A letter, digit or combining mark, except ideographs and kana (a token each).
_WORD_CHAR = r"[\p{L}\p{N}\p{M}--\p{Han}\p{Hiragana}\p{Katakana}]"
_PIECE = rf"{_WORD_CHAR}+"
_POSSESSIVE = rf"['\u2019][sS](?!{_WORD_CHAR})"
# Joiners inside a word; the lookbehind for digits keeps "2020." and "1, 2" apart.
_JOIN = (rf"(?:[-\u2010\u2011\u00ad\u200c\u200d]{_PIECE}"
         rf"|['\u2019](?![sS](?!{_WORD_CHAR})){_PIECE}"
         rf"|(?<=\p{{N}})[.,](?=\p{{N}}){_PIECE})")

# Ordered by how often each kind occurs in text (words, then common
# punctuation), which is what makes scanning fast; no two alternatives can
# start at the same character, so the order changes nothing else.
_TOKEN = regex.compile(
    rf"(?P<word>{_PIECE}{_JOIN}*)"
    r"|(?P<other>[.,;:!?\"()\[\]{}/%&*+=<>@#$^|~`“”‘-](?!\p{M}))"
    rf"|(?P<possessive>{_POSSESSIVE})"
    r"|(?P<ideograph>[\p{Han}\p{Hiragana}\p{Katakana}]\p{M}*)"
    r"|(?P<emoji>(?=\p{Extended_Pictographic}|\p{Regional_Indicator})\X)"
    r"|(?P<other>[^\s\p{Cc}\p{Cf}]\p{M}*)",
    regex.V1)

# The last blank before a position (searched backwards): tokens never cross
# a blank, so finding the token at one offset needs only the text between blanks.
_BLANK_BEFORE = regex.compile(r"(?r)\s")
_BLANK_AFTER = regex.compile(r"\s")

_WORD_KINDS = ("emoji", "ideograph", "word")


# A fast path through the standard `re` (several times quicker per token than
# `regex`) for stretches of text whose every character is in _SIMPLE: ASCII,
# Latin-1, Latin Extended-A/B and general punctuation. These hold no
# combining mark, ideograph, kana, emoji modifier or joiner, and `re`'s
# [^\W_] (letters and digits) is exactly \p{L} and \p{N} there, so _SIMPLE_TOKEN
# finds the same tokens as _TOKEN on them (test_tokenize checks this on random text).
_SIMPLE_CHARS = "\t-\r\x20-\x7e\xa0-\u024f\u2010-\u2027\u2030-\u205e"
_NOT_SIMPLE = re.compile(f"[^{_SIMPLE_CHARS}]")
_SIMPLE_DIGIT = "[0-9\u00b2\u00b3\u00b9\u00bc-\u00be]"
_SIMPLE_PIECE = r"[^\W_]+"
_SIMPLE_TOKEN = re.compile(
    rf"{_SIMPLE_PIECE}(?:[-\u2010\u2011\u00ad]{_SIMPLE_PIECE}"
    rf"|['\u2019](?![sS](?![^\W_])){_SIMPLE_PIECE}"
    rf"|(?<={_SIMPLE_DIGIT})[.,](?={_SIMPLE_DIGIT}){_SIMPLE_PIECE})*"
    r"|['\u2019][sS](?![^\W_])"
    r"|[^\s\x00-\x1f\x7f-\x9f\u00ad]")
# Stretches of simple text shorter than this between others are not worth
# switching to the fast path for (Cyrillic or Arabic text: every word).
_SWITCH_GAP = 200


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of `text`, in order."""
    found: list[tuple[int, int]] = []
    pos, n = 0, len(text)
    while pos < n:
        odd = _NOT_SIMPLE.search(text, pos)
        if odd is None:
            found += [m.span() for m in _SIMPLE_TOKEN.finditer(text, pos)]
            break
        # Tokens never cross a blank: the stretch from the blank before the
        # first odd character to the blank after the last one close to it
        # goes to the full tokenizer, what is before it to the fast one.
        start, end = _chunk(text, odd.start(), odd.start() + 1)
        start = max(start, pos)
        while end < n:
            odd = _NOT_SIMPLE.search(text, end, end + _SWITCH_GAP)
            if odd is None:
                break
            end = _chunk(text, odd.start(), odd.start() + 1)[1]
        found += [m.span() for m in _SIMPLE_TOKEN.finditer(text, pos, start)]
        found += [m.span() for m in _TOKEN.finditer(text, start, end)]
        pos = end
    return found


def _kinds(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the tokens between two positions that are at
    blanks (or the ends of the text)."""
    return [(*m.span(), m.lastgroup) for m in _TOKEN.finditer(text, start, end)]


def is_word(text: str, start: int, end: int) -> bool:
    """Whether the token text[start:end] is a word (letters or digits, an
    ideograph, an emoji) rather than punctuation or a possessive 's."""
    m = _TOKEN.match(text, start, end)
    return bool(m) and m.lastgroup in _WORD_KINDS


def _chunk(text: str, start: int, end: int) -> tuple[int, int]:
    """The stretch around [start, end) bounded by blanks or the text's ends."""
    before = _BLANK_BEFORE.search(text, 0, start)
    after = _BLANK_AFTER.search(text, end)
    return (before.end() if before else 0), (after.start() if after else len(text))


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The token holding the character at `offset`; else the token ending
    just before it (a cursor right after a word); else None (a blank)."""
    if not 0 <= offset <= len(text):
        return None
    lo, hi = _chunk(text, offset, offset)
    found = None
    for start, end, _ in _kinds(text, lo, hi):
        if start <= offset < end:
            return start, end
        if end == offset:
            found = (start, end)
    return found


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole tokens, with punctuation and
    possessives at either edge left out: selecting `Kim's,` or `im'` gives
    `Kim`. A selection of punctuation alone keeps it (someone chose it); one
    of blanks alone becomes empty (start, start), like trim_whitespace. An
    empty selection snaps to the word at that position, if any."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if start > end:
        start, end = end, start
    if start == end:
        word = word_at(text, start)
        return word if word is not None else (start, start)
    lo, hi = _chunk(text, start, end)
    inside = [t for t in _kinds(text, lo, hi) if t[0] < end and t[1] > start]
    if not inside:
        return start, start
    words = [t for t in inside if t[2] in _WORD_KINDS]
    kept = words or inside
    return kept[0][0], kept[-1][1]
