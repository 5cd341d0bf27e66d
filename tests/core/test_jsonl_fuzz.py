"""Fuzzing the JSONL importer: whatever the lines hold, an import either
succeeds with consistent data or raises AnnotatorError and changes nothing."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from annotator.core import exporter
from annotator.core.errors import AnnotatorError
from annotator.core.formats import jsonl
from annotator.core.importer import import_files
from tests.core.helpers import integrity, snapshot

KEYS = ["text", "spans", "label", "meta", "annotator", "start", "end", "name", "x"]
LABELS = ["actor", "date", "quote", "new label", "", " pad", "tab\tlabel"]

scalars = (st.none() | st.booleans() | st.integers(-5, 40) | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=12) | st.sampled_from(LABELS))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4),
                                                                inner, max_size=5),
    max_leaves=20,
)


@st.composite
def plausible_lines(draw):
    """Objects close to valid, so the fuzzing reaches the deeper checks:
    each field is sometimes replaced by junk."""
    def junk_or(strategy):
        return draw(json_values) if draw(st.integers(0, 7)) == 0 else draw(strategy)

    text = draw(st.text(min_size=1, max_size=30))
    n = len(text)
    good = st.integers(0, n)
    offset = st.one_of(good, good, good, good, good, st.integers(-2, n + 2))
    obj = {"text": junk_or(st.just(text))}
    if draw(st.booleans()):
        obj["spans"] = junk_or(st.lists(st.fixed_dictionaries(
            {"start": offset, "end": offset, "label": st.sampled_from(LABELS[:4] * 5 + LABELS)},
            optional={"text": st.text(max_size=5)}), max_size=4))
    if draw(st.booleans()):
        obj["label"] = junk_or(st.lists(st.tuples(offset, offset, st.sampled_from(LABELS)).map(list), max_size=3))
    if draw(st.booleans()):
        obj["meta"] = junk_or(st.dictionaries(st.sampled_from(["name", "source"]), st.text(max_size=8), max_size=2))
    if draw(st.booleans()):
        obj["annotator"] = junk_or(st.sampled_from(["ann", "ann", "ann", "", "x\ny"]))
    return json.dumps(obj, ensure_ascii=draw(st.booleans()))


def lines():
    raw_text = st.text(max_size=40).map(lambda s: s.replace("\n", " "))
    plausible = plausible_lines()
    return st.one_of(plausible, plausible, plausible, plausible, json_values.map(json.dumps), raw_text,
                     st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" ").decode("latin-1")))


def strict_json(line: str):
    def refuse(name):
        raise AssertionError(f"export holds {name}, which is not JSON")
    return json.loads(line, parse_constant=refuse)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=3), st.booleans(), st.sampled_from(["utf-8", "latin-1"]))
def test_jsonl_import_succeeds_consistently_or_fails_cleanly(project, project_path, tmp_path,
                                                            body, add_labels, encoding):
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes("\n".join(body).encode(encoding, "replace"))
    before = snapshot(project_path)
    try:
        import_files(project, [path], annotator="fuzzer", add_labels=add_labels)
    except AnnotatorError as e:
        event("refused")
        assert str(e)  # a message to show
        assert snapshot(project_path) == before
        return
    event("imported")
    # Imported: every span is inside its text and the export is valid JSON.
    out = io.StringIO()
    jsonl.write(exporter.layers(project), out)
    for line in out.getvalue().split("\n")[:-1]:
        record = strict_json(line)
        for span in record["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(record["text"])
            assert span["text"] == record["text"][span["start"]:span["end"]]
    assert integrity(project_path) == "ok"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plausible_lines(), st.booleans())
def test_nearly_valid_lines_import_or_fail_cleanly(project, project_path, tmp_path, line, add_labels):
    test_jsonl_import_succeeds_consistently_or_fails_cleanly.hypothesis.inner_test(
        project, project_path, tmp_path, [line], add_labels, "utf-8")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=200) | st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_txt_import_of_any_bytes_is_exact_or_refused(project, project_path, tmp_path, data):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    before = snapshot(project_path)
    try:
        import_files(project, [path], annotator="fuzzer")
    except AnnotatorError as e:
        event("refused")
        assert "fuzz.txt" in str(e)
        assert snapshot(project_path) == before
        return
    event("imported")
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # must have been valid UTF-8
    assert "\x00" not in text and text
    stored = [row[2] for row in snapshot(project_path)["documents"]]
    assert text in stored
