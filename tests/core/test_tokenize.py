"""core/tokenize.py: each rule, in several scripts, and properties on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.tokenize import is_word, snap, tokens, word_at
from tests.core.helpers import TRICKY_TEXTS


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokens(text)]


@pytest.mark.parametrize("text, expected", [
    # hyphenated names are one word; punctuation is its own token
    ("Kim Jong-un met Kim Yo-jong.", ["Kim", "Jong-un", "met", "Kim", "Yo-jong", "."]),
    # a possessive 's is split off, straight or curly apostrophe
    ("Kim's dog", ["Kim", "'s", "dog"]),
    ("Kim’s dog", ["Kim", "’s", "dog"]),
    ("KIM'S", ["KIM", "'S"]),
    # other apostrophes stay inside the word; a trailing one is punctuation
    ("O'Brien don't", ["O'Brien", "don't"]),
    ("the workers' pay", ["the", "workers", "'", "pay"]),
    # an apostrophe-s starting a word is not a possessive
    ("'sun'", ["'", "sun", "'"]),
    # numbers with separators stay whole; a full stop after one does not join
    ("1,000.5 and 1.000,5 in 2020.", ["1,000.5", "and", "1.000,5", "in", "2020", "."]),
    # dates are split at the slash (like any punctuation)
    ("11/07/1961", ["11", "/", "07", "/", "1961"]),
    ("COVID-19 self- -5", ["COVID-19", "self", "-", "-", "5"]),
])
def test_latin_rules(text, expected):
    assert words(text) == expected


def test_chinese_and_japanese_are_a_token_per_character():
    assert words("习近平在北京。") == ["习", "近", "平", "在", "北", "京", "。"]
    assert words("東京タワーへ2024年") == ["東", "京", "タ", "ワ", "ー", "へ", "2024", "年"]


def test_korean_words_are_whole():
    assert words("김정은 위원장은 말했다.") == ["김정은", "위원장은", "말했다", "."]


def test_arabic_words_keep_their_vowel_marks():
    # U+064F DAMMA on the last letter of the second word
    assert words("قال الرئيسُ") == ["قال", "الرئيسُ"]


def test_cyrillic_and_guillemets():
    assert words("Путин сказал «нет».") == ["Путин", "сказал", "«", "нет", "»", "."]


def test_combining_marks_stay_with_their_base():
    text = "cafe\u0301 e\u0301te\u0301 हिन्दी"
    assert words(text) == ["cafe\u0301", "e\u0301te\u0301", "हिन्दी"]
    # a mark after a blank has no base: a token of its own, never lost
    assert words("a \u0301") == ["a", "\u0301"]


def test_emoji_are_a_token_each():
    text = "ok👍🏽👨\u200d👩\u200d👧 🇫🇷🇩🇪 done"
    assert words(text) == ["ok", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "🇩🇪", "done"]


def test_crlf_and_other_blanks_are_never_tokens():
    text = "one\r\ntwo\u00a0three\u2028four\tfive\u200bsix\ufeff"
    assert words(text) == ["one", "two", "three", "four", "five", "six"]
    # offsets are code points, with \r counted
    assert tokens("a\r\nb") == [(0, 1), (3, 4)]


def test_empty_and_blank_texts_have_no_tokens():
    assert tokens("") == []
    assert tokens(" \r\n\t ") == []


def test_word_at():
    text = "Kim's dog, 🎉"
    assert word_at(text, 0) == (0, 3)
    assert word_at(text, 2) == (0, 3)
    assert word_at(text, 3) == (3, 5)      # on the possessive
    assert word_at(text, 5) == (3, 5)      # the blank right after a token: that token
    assert word_at(text, 8) == (6, 9)
    assert word_at(text, len(text)) == (11, 12)
    assert word_at("a  b", 2) is None      # the second blank: nothing ends there
    assert word_at(text, -1) is None and word_at(text, 99) is None


def test_snap_widens_to_words_and_leaves_edge_punctuation_out():
    text = 'He said "Kim\'s," then Jong-un left.'
    quote = text.index('"')
    # `"Kim's,"` -> Kim
    assert snap(text, quote, quote + 8) == (quote + 1, quote + 4)
    # part of a word -> the whole word
    jong = text.index("Jong")
    assert snap(text, jong + 1, jong + 3) == (jong, jong + 7)
    # across words: from the first word to the last, inner punctuation kept
    assert text[slice(*snap(text, 1, jong + 2))] == 'He said "Kim\'s," then Jong-un'
    # punctuation alone is kept; blanks alone give an empty range
    assert snap(text, len(text) - 1, len(text)) == (len(text) - 1, len(text))
    assert snap(text, 2, 3) == (2, 2)
    # an empty selection snaps to the word there; reversed ends are put in order
    assert snap(text, jong + 2, jong + 2) == (jong, jong + 7)
    assert snap(text, jong + 3, jong + 1) == (jong, jong + 7)


def test_is_word():
    text = "Kim's, 東 🎉"
    assert is_word(text, 0, 3) and is_word(text, 7, 8) and is_word(text, 9, 10)
    assert not is_word(text, 3, 5) and not is_word(text, 5, 6)


@pytest.mark.parametrize("name", sorted(TRICKY_TEXTS))
def test_tricky_texts_keep_every_visible_character(name):
    text = TRICKY_TEXTS[name]
    covered = "".join(text[s:e] for s, e in tokens(text))
    # Only blanks and invisible format characters fall between tokens.
    assert covered.replace("\u200d", "") == "".join(
        ch for ch in text if not ch.isspace() and ch not in "\u200d\ufeff\u202b\u202c"
    ).replace("\u200d", "")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
       | st.text(alphabet=" \r\n'’-.,/0123456789aZé\u0301東김ق👍\u200d🏽🇫", max_size=40))
def test_tokens_are_sorted_disjoint_inside_and_blank_free(text):
    found = tokens(text)
    previous_end = 0
    for start, end in found:
        assert previous_end <= start < end <= len(text)
        assert not any(ch.isspace() for ch in text[start:end])
        previous_end = end
        # word_at finds each token from any of its characters
        assert word_at(text, start) == (start, end)
        assert word_at(text, end - 1) == (start, end)
    for start, end in found:
        snapped = snap(text, start, end)
        assert snapped == (start, end) or not is_word(text, start, end)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t\r\n\u00a0\u00ad'’-‐.,/1²½aZsSéßĳ©‼…“”\u0301\u200b\u200d"
                                             "東김قЖ👍🏽🇫\u3000\u2028") + ["_", "\x1c", "\x85", "\ufe0f"]),
               max_size=60)
       | st.text(max_size=60))
def test_the_fast_path_finds_what_the_full_tokenizer_finds(text):
    # tokens() sends stretches of Latin text through the standard `re`; the
    # `regex` pattern over the whole text is the rule it must agree with.
    from annotator.core.tokenize import _TOKEN

    assert tokens(text) == [m.span() for m in _TOKEN.finditer(text)]


def test_long_texts_mixing_scripts_agree_with_the_full_tokenizer():
    from annotator.core.tokenize import _TOKEN

    text = ("Plain English words, 1,000.5 of them. " * 30 + "Путин сказал «нет». 東京 👍🏽 " * 3) * 5
    assert tokens(text) == [m.span() for m in _TOKEN.finditer(text)]
