"""Deterministic benchmark data: English-like news text with spans.

Everything comes from one seeded `random.Random`, so the same seed gives the
same bytes on every machine. The text has paragraphs, commas and full stops,
straight and curly quotes (nested quotes too), apostrophes, a few emoji
(outside the Basic Multilingual Plane, so they are two UTF-16 code units) and
CRLF line endings, which are what break offset mapping in other tools.

Spans use the default labels: actor, organisation, date, quote. Quotes
contain actors (and sometimes a quote within a quote), and some
organisation/date spans overlap, so nesting and overlaps are both exercised.

    python -m bench.generate            # writes bench/out/big.jsonl and bench/out/many.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
ANNOTATOR = "bench"

_FIRST = ("Maria", "John", "Aisha", "Wei", "Olga", "Pedro", "Fatima", "James", "Ingrid", "Kofi",
          "Sofia", "Liam", "Amara", "Hiroshi", "Elena", "Tomás", "Priya", "Noah", "Zanele", "Chloé")
_LAST = ("Okafor", "Smith", "Nguyen", "Kowalski", "García", "Haddad", "Johansson", "Müller",
         "O'Brien", "Tanaka", "Rossi", "Mensah", "Dubois", "Patel", "Ivanova", "Silva")
_TITLES = ("", "", "", "Dr ", "Mr ", "Ms ", "Senator ", "Minister ", "Professor ")
_ORG_HEAD = ("Northern", "United", "Global", "National", "Pacific", "Atlantic", "Central", "Royal",
             "Federal", "Eastern", "Green", "Sovereign")
_ORG_TAIL = ("Bank", "Energy Group", "Health Service", "Union", "Railways", "Council", "Institute",
             "Telecom", "Mining Corp.", "Broadcasting Company", "Party", "Court of Appeal")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WORDS = (
    "the of and to a in that is was for on with as it by at from this be have are not but had his "
    "her they which or were been their has would will more there when who about into than its "
    "after new also over only other some could two first years time people government said "
    "market report week city country plans policy public state council minister members talks "
    "workers prices budget election vote crisis inquiry agreement protest energy water housing "
    "schools hospital court evidence officials residents company shares growth decision meeting "
    "however meanwhile although despite further earlier later yesterday already still never "
    "several many most local regional national international economic political social legal "
    "announced confirmed rejected warned argued suggested expected reported described denied"
).split()
_SAY = ("said", "told reporters", "wrote", "added", "insisted", "replied", "explained", "warned")
_EMOJI = ("😀", "👍", "🎉", "🔥", "🌍", "📈", "💬", "🙏", "✅", "⚡")
_QUOTES = (("“", "”"), ('"', '"'))
_INNER = (("‘", "’"), ("'", "'"))


@dataclass
class Builder:
    """Text built piece by piece, with code-point offsets of labelled pieces."""

    rng: random.Random
    parts: list[str] = field(default_factory=list)
    length: int = 0
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, s: str, label: str | None = None) -> tuple[int, int]:
        start = self.length
        self.parts.append(s)
        self.length += len(s)
        if label:
            self.spans.append((start, self.length, label))
        return start, self.length

    def words(self, n: int) -> None:
        rng = self.rng
        ws = [rng.choice(_WORDS) for _ in range(n)]
        if rng.random() < 0.15:
            ws[rng.randrange(n)] += rng.choice(("'s", "’s", ","))
        self.add(" ".join(ws))

    def actor(self) -> None:
        rng = self.rng
        self.add(rng.choice(_TITLES) + rng.choice(_FIRST) + " " + rng.choice(_LAST), "actor")

    def organisation(self, with_date: bool = False) -> None:
        rng = self.rng
        org = f"the {rng.choice(_ORG_HEAD)} {rng.choice(_ORG_TAIL)}"
        if with_date and rng.random() < 0.3:
            # "the Green Union chief Maria Okafor": the organisation and the
            # actor ("Union chief Maria Okafor") overlap without nesting.
            start, end = self.add(org, "organisation")
            head = org.rindex(" ") + 1
            self.add(f" chief {rng.choice(_FIRST)} {rng.choice(_LAST)}")
            self.spans.append((start + head, self.length, "actor"))
            return
        if with_date and rng.random() < 0.3:
            # "the Green Union 2019 Congress": a date nested in an organisation.
            start, _ = self.add(org + " ")
            year_start, _ = self.add(str(rng.randrange(1990, 2027)), "date")
            self.add(" Congress")
            self.spans.append((start, self.length, "organisation"))
            return
        self.add(org, "organisation")

    def date(self) -> None:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            s = f"{rng.randrange(1, 29)} {rng.choice(_MONTHS)} {rng.randrange(1990, 2027)}"
        elif kind < 0.7:
            s = f"on {rng.choice(_WEEKDAYS)}"
            start, end = self.add(s)
            self.spans.append((start + 3, end, "date"))
            return
        else:
            s = f"{rng.choice(_MONTHS)} {rng.randrange(1990, 2027)}"
        self.add(s, "date")

    def plain_sentence(self) -> None:
        rng = self.rng
        self.add(rng.choice(("The ", "A ", "In ", "Officials ", "Residents ", "Meanwhile ")))
        self.words(rng.randrange(4, 10))
        for _ in range(rng.randrange(1, 3)):
            self.add(rng.choice((" ", ", ", " and ", " with ")))
            rng.choice((self.actor, lambda: self.organisation(True), self.date))()
            self.add(" ")
            self.words(rng.randrange(3, 9))
        if rng.random() < 0.03:
            self.add(" " + rng.choice(_EMOJI))
        self.add(rng.choice((".", ".", ".", "!", "?", ";")[:4]) if rng.random() < 0.1 else ".")

    def quote_sentence(self) -> None:
        """A quote holding an actor, sometimes with a quote inside it."""
        rng = self.rng
        open_q, close_q = rng.choice(_QUOTES)
        start = self.length
        self.add(open_q)
        self.words(rng.randrange(3, 8))
        self.add(" ")
        self.actor()
        self.add(" ")
        self.words(rng.randrange(2, 6))
        if rng.random() < 0.3:
            inner_open, inner_close = rng.choice(_INNER)
            self.add(", " + rng.choice(("calling it", "quoting", "in what she called")) + " ")
            inner_start = self.length
            self.add(inner_open)
            self.words(rng.randrange(2, 5))
            self.add(inner_close)
            self.spans.append((inner_start, self.length, "quote"))
        if rng.random() < 0.05:
            self.add(" " + rng.choice(_EMOJI))
        self.add("," + close_q)
        self.spans.append((start, self.length, "quote"))
        self.add(" ")
        self.actor()
        self.add(f" {rng.choice(_SAY)}.")

    def paragraph(self) -> None:
        rng = self.rng
        for i in range(rng.randrange(2, 7)):
            if i:
                self.add(" ")
            (self.quote_sentence if rng.random() < 0.25 else self.plain_sentence)()

    def text(self) -> str:
        return "".join(self.parts)


def make_document(rng: random.Random, min_chars: int, newline: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A headline and paragraphs, at least `min_chars` code points long."""
    b = Builder(rng)
    b.words(rng.randrange(4, 9))
    b.add(newline + newline)
    while True:
        b.paragraph()
        if b.length >= min_chars:
            break
        # Mostly blank-line-separated paragraphs, now and then a single break.
        b.add(newline + newline if rng.random() < 0.8 else newline)
    b.add(newline)
    text = b.text()
    return text, b.spans


def choose(rng: random.Random, spans: list[tuple[int, int, str]], n: int) -> list[tuple[int, int, str]]:
    """Exactly n distinct spans (deterministically sampled), sorted."""
    unique = sorted(set(spans))
    if len(unique) < n:
        raise ValueError(f"only {len(unique)} candidate spans, need {n}")
    return sorted(rng.sample(unique, n))


def big_document(seed: int = 1, size: int = 5_000_000, n_spans: int = 50_000) -> tuple[str, list]:
    """One document of about `size` bytes of UTF-8 with CRLF line endings."""
    rng = random.Random(seed)
    # Curly quotes and accents make bytes exceed code points by about 1%.
    text, spans = make_document(rng, int(size * 0.99), "\r\n")
    return text, choose(rng, spans, n_spans)


def many_documents(seed: int = 2, n_docs: int = 10_000, n_spans: int = 100_000):
    """n_docs short articles (a third with CRLF) holding n_spans spans in all."""
    rng = random.Random(seed)
    per_doc = n_spans // n_docs
    for i in range(n_docs):
        newline = "\r\n" if i % 3 == 0 else "\n"
        while True:
            text, spans = make_document(rng, rng.randrange(600, 2400), newline)
            if len(set(spans)) >= per_doc:
                break
        yield f"article-{i:05d}", text, choose(rng, spans, per_doc)


def record(name: str, text: str, spans: list) -> dict:
    return {
        "text": text,
        "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in spans],
        "annotator": ANNOTATOR,
        "meta": {"name": name},
    }


def write_jsonl(path: Path, records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False))
            f.write("\n")
    tmp.replace(path)
    return path


def big_jsonl(out: Path = OUT) -> Path:
    path = out / "big.jsonl"
    if not path.exists():
        text, spans = big_document()
        write_jsonl(path, [record("big-novel", text, spans)])
    return path


def many_jsonl(out: Path = OUT) -> Path:
    path = out / "many.jsonl"
    if not path.exists():
        write_jsonl(path, (record(name, text, spans) for name, text, spans in many_documents()))
    return path


def scale_jsonl(n_docs: int, out: Path = OUT) -> Path:
    """n_docs articles (10 spans each) for the import-scale bench: many.jsonl's
    10,000 articles over and over, each copy under a name of its own
    (`article-0000123`), so every line is a document of its own. Written once
    into a temporary name and renamed when complete, so a killed run is not
    reused; deterministic (many.jsonl is)."""
    path = out / f"import-scale-{n_docs}.jsonl"
    if path.exists():
        return path
    with open(many_jsonl(out), encoding="utf-8") as f:
        pool = [json.loads(line) for line in f]
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for i in range(n_docs):
            rec = pool[i % len(pool)]
            f.write(json.dumps({**rec, "meta": {"name": f"article-{i:07d}"}}, ensure_ascii=False))
            f.write("\n")
    tmp.replace(path)
    return path


def million_jsonl(out: Path = OUT) -> Path:
    """1,000,000 articles, 10,000,000 spans (about 2.8 GB)."""
    return scale_jsonl(1_000_000, out)


def load_big(out: Path = OUT) -> tuple[str, list[tuple[int, int, str]]]:
    with open(big_jsonl(out), encoding="utf-8") as f:
        rec = json.loads(f.readline())
    return rec["text"], [(s["start"], s["end"], s["label"]) for s in rec["spans"]]


def main(argv: list[str]) -> None:
    for path in (big_jsonl(), many_jsonl()):
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
