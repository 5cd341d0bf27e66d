"""The team server (issue 16's "Speed"), against a local PostgreSQL server
the bench starts itself (tests/postgres/server.py's TestServer, with its
durability turned back on: see BenchServer), reached over TCP on the
loopback with a password, as a person's program reaches a real one.

    python -m bench server

Rows (each baseline runs in the same process, alternating with ours; medians):

- SV1 import: `import_files` of many.jsonl (10,000 documents, 100,000 spans)
  into a new server project, as an admin who owns the spans (the file's
  annotator, `bench`), against the floor: `json.loads` of each line and
  psycopg `COPY` of the same document and span rows into plain tables (no
  keys, indexes or triggers) of a new database, one transaction (target
  at most 2x). Info rows: the same COPY into the project's own tables (its
  keys, foreign keys, indexes, triggers and search index: what the schema
  costs before any of our code runs), and the same import into a project
  file.
- SV2 open: what the window reads to open the 5 MB document with 50,000
  spans (session.open_document): `document()`, `read_spans()` a page at a
  time (the first screen's pages, then the rest), `notes()` and the
  person's `status()`, from the server against the same from a project
  file (target at most 2x); the first screen alone as an info row.
- SV3 add a span: `ops.tag_span` on that document (50,000 spans) at a
  random word, committed, on the server (target: median at most 16 ms)
  beside the same on the project file.
- SV4 another window sees it: from `ops.tag_span` returning on one
  connection until a second connection has noticed (`data_version()`
  moved: the server's NOTIFY arrived), read the feed and the span by id,
  as the window's poll does (the window adds up to one poll, 250 ms on a
  server); beside the same between two connections to a project file.
  Target: within a second.

Skipped, with a line saying why, where psycopg or the server binaries are
missing.
"""

from __future__ import annotations

import atexit
import json
import random
import sys
import time
from pathlib import Path

from bench import generate
from bench.common import Result, fresh_path, median, p95, scratch_dir

# Durability: the bench's server syncs as a production server does (fsync,
# synchronous_commit and full_page_writes on, unlike the test server),
# and the project file uses its own synchronous=FULL: both sides wait for
# the disk at every commit.
FSYNC = "on"
PASSWORD = "bench pw"
OWNER = "owner"
PERSON = generate.ANNOTATOR  # an admin, and the owner of the bench files' spans

_PLAIN_TABLES = """
CREATE TABLE plain_documents (id bigint, name text, text text, meta jsonb);
CREATE TABLE plain_spans (doc_id bigint, annotator text, label text, start integer, "end" integer)
"""


def unavailable() -> str | None:
    """Why no server can be benchmarked here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install '.[postgres]')"
    from tests.postgres.server import why_unavailable

    return why_unavailable()


def _bench_server():
    """A TestServer started with the settings of a server that keeps what
    it acknowledges (the test server turns fsync off)."""
    from tests.postgres import server as test_server

    class BenchServer(test_server.TestServer):
        __test__ = False

        def start(self) -> BenchServer:
            self._run("initdb", "-D", str(self.data), "-U", test_server.SUPERUSER, "-E", "UTF8",
                      "--no-locale", "--no-instructions", "--auth-local=trust", "--auth-host=scram-sha-256")
            self.port = test_server._free_port()
            self._options = " ".join([
                f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.folder}",
                f"-c fsync={FSYNC}", f"-c synchronous_commit={FSYNC}", f"-c full_page_writes={FSYNC}",
                "-c shared_buffers=128MB",  # PostgreSQL's default (the test server's is 16 MB)
                "-c max_connections=20", "-c password_encryption=scram-sha-256"])
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                      "-o", self._options, "start")
            self.running = True
            atexit.register(self.stop)
            return self

    return BenchServer().start()


class _Databases:
    """Fresh databases on the bench's server: plain ones, and projects set
    up as `annotator server init` and `add-user` make them."""

    def __init__(self, server) -> None:
        self.server = server
        self._made = 0
        with server.admin() as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEDB CREATEROLE PASSWORD '{PASSWORD}'")

    def new(self) -> str:
        self._made += 1
        name = f"bench_{self._made}"
        with self.server.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
        return name

    def drop(self, name: str) -> None:
        with self.server.admin() as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")

    def owner_url(self, name: str) -> str:
        return self.server.url(OWNER, PASSWORD, name)

    def person_url(self, name: str) -> str:
        return self.server.url(PERSON, PASSWORD, name)

    def new_project(self) -> str:
        from annotator.core.storage.postgres import admin
        from annotator.core.storage.postgres.first_labels import add_first_labels

        name = self.new()
        url = self.owner_url(name)
        add_first_labels(url, admin.init_server(url))
        admin.add_user(url, PERSON, "admin", PASSWORD)
        return name


# ---------------------------------------------------------------- SV1 import


def _copy_rows(conn, jsonl: Path, documents: str, spans: str) -> float:
    """json.loads of each line, its document COPYed as read and its spans
    COPYed afterwards (one COPY at a time on a connection); returns when
    (perf_counter) the documents were done."""
    span_rows = []
    with conn.cursor() as cur:
        with open(jsonl, "rb") as f, cur.copy(documents) as copy:
            for doc_id, line in enumerate(f, start=1):
                obj = json.loads(line)
                copy.write_row((doc_id, obj["meta"]["name"], obj["text"], json.dumps(obj.get("meta", {}))))
                owner = obj["annotator"]
                span_rows.extend((doc_id, owner, s["label"], s["start"], s["end"]) for s in obj["spans"])
        documents_done = time.perf_counter()
        with cur.copy(spans) as copy:
            for row in span_rows:
                copy.write_row(row)
    return documents_done


def _floor_import(dbs: _Databases, jsonl: Path) -> float:
    import psycopg

    name = dbs.new()
    try:
        with psycopg.connect(dbs.owner_url(name)) as conn:
            conn.execute(_PLAIN_TABLES)
            conn.commit()
            t0 = time.perf_counter()
            _copy_rows(conn, jsonl, "COPY plain_documents (id, name, text, meta) FROM STDIN",
                       'COPY plain_spans (doc_id, annotator, label, start, "end") FROM STDIN')
            conn.commit()
            return time.perf_counter() - t0
    finally:
        dbs.drop(name)


def _schema_import(dbs: _Databases, jsonl: Path) -> tuple[float, float]:
    """The floor's COPY into the project's own documents and spans, as the
    database owner (policies do not bind the owner, and COPY into a table
    with row-level security is refused to anyone they bind): seconds in
    all, and of them the documents'."""
    import psycopg

    name = dbs.new_project()
    try:
        with psycopg.connect(dbs.owner_url(name)) as conn:
            t0 = time.perf_counter()
            documents_done = _copy_rows(conn, jsonl, "COPY documents (id, name, text, meta) FROM STDIN",
                                        'COPY spans (doc_id, annotator, label, start, "end") FROM STDIN')
            conn.commit()
            return time.perf_counter() - t0, documents_done - t0
    finally:
        dbs.drop(name)


def _server_import(dbs: _Databases, jsonl: Path) -> float:
    from annotator.core.importer import import_files
    from annotator.core.storage.postgres.project import ServerProject

    name = dbs.new_project()
    try:
        with ServerProject.open(dbs.person_url(name)) as project:
            t0 = time.perf_counter()
            result = import_files(project, [jsonl], annotator=None)
            elapsed = time.perf_counter() - t0
        assert result.documents_added == 10_000 and result.spans_added == 100_000, result
        return elapsed
    finally:
        dbs.drop(name)


def _file_import(folder: Path, jsonl: Path) -> float:
    from bench.core_bench import ours_import

    return ours_import(jsonl, fresh_path(folder, "import.db"))


def bench_import(dbs: _Databases, folder: Path, repeat: int = 3) -> list[Result]:
    jsonl = generate.many_jsonl()
    floor, schema, schema_documents, ours, file = [], [], [], [], []
    for _ in range(repeat):  # alternating
        floor.append(_floor_import(dbs, jsonl))
        ours.append(_server_import(dbs, jsonl))
        whole, documents = _schema_import(dbs, jsonl)
        schema.append(whole)
        schema_documents.append(documents)
        file.append(_file_import(folder, jsonl))
    return [
        Result("SV1 server import 10k docs / 100k spans", median(floor), median(ours), "s", "<= 2x", limit=2.0,
               note=f"`import_files` as an admin over TCP into a new server project; floor: json.loads per line "
                    f"+ psycopg COPY into plain tables of a new database, one transaction (fsync={FSYNC}); "
                    f"median of {repeat}, alternating"),
        Result("SV1i COPY into the project's own tables (info)", median(floor), median(schema), "s", "info",
               note="the floor's COPY into documents and spans of a new project (its keys, foreign keys, indexes, "
                    "id triggers and search index), as the owner: what the schema costs before our code; "
                    f"the documents' part {median(schema_documents):.2f} s"),
        Result("SV1f the same import into a project file (info)", median(floor), median(file), "s", "info",
               note="`import_files` into a new project file (WAL, synchronous=FULL), against the server floor"),
    ]


# ------------------------------------------------------ SV2 open, SV3 add span


def _big_document(project) -> int:
    """Put the 5 MB document with its 50,000 spans (and a short note) into
    `project`, as core_bench's projects hold it; returns its id."""
    from annotator.core.formats import ParsedDocument
    from annotator.core.importer import import_documents

    text, spans = generate.load_big()
    import_documents(project, [ParsedDocument(name="big-novel", text=text, annotator=PERSON, spans=spans),
                               ParsedDocument(name="a short note", text="A short note.\n")], annotator=None)
    (doc_id,) = [doc_id for doc_id, name, _ in project.document_keys() if name == "big-novel"]
    return doc_id


def _open_times(project, doc_id: int) -> tuple[float, float]:
    """Seconds to read what the window reads to show the document: the
    first screen (text, the pages of spans up to it, notes, status), and
    everything (the rest of the spans, a page at a time)."""
    from annotator.gui.session import FIRST_PAGE, FIRST_SCREEN, PAGE

    t0 = time.perf_counter()
    project.document(doc_id)
    if hasattr(project, "read_spans"):
        reader = project.read_spans(doc_id)
        spans = reader.read(FIRST_PAGE)
        while not reader.done and spans[-1].start < FIRST_SCREEN:
            spans += reader.read(FIRST_PAGE)
    else:  # (a backend without paged reads: all at once)
        reader, spans = None, project.spans(doc_id)
    project.notes(doc_id)
    project.status(doc_id, PERSON)
    first = time.perf_counter() - t0
    while reader is not None and not reader.done:
        spans += reader.read(PAGE)
    whole = time.perf_counter() - t0
    assert len(spans) == 50_000, len(spans)
    return first, whole


def _places(text: str, n: int, seed: int = 7) -> list[tuple[int, int]]:
    """n different one-word stretches of `text` at random places."""
    from annotator.core.model import trim_whitespace

    rng = random.Random(seed)
    places: dict[tuple[int, int], None] = {}
    while len(places) < n:
        at = rng.randrange(len(text) - 20)
        start, end = trim_whitespace(text, at, at + rng.randrange(3, 15))
        if start < end:
            places[(start, end)] = None
    return list(places)


def _add_time(project, doc_id: int, place: tuple[int, int]) -> float:
    from annotator.core import ops

    t0 = time.perf_counter()
    ops.tag_span(project, doc_id, PERSON, "date", *place)
    return time.perf_counter() - t0


def bench_document(dbs: _Databases, folder: Path, repeat: int = 7, actions: int = 200) -> list[Result]:
    from annotator.core.storage import Project
    from annotator.core.storage.postgres.project import ServerProject

    text, _ = generate.load_big()
    name = dbs.new_project()
    with Project.open(fresh_path(folder, "big.db")) as file, ServerProject.open(dbs.person_url(name)) as server:
        file_doc, server_doc = _big_document(file), _big_document(server)
        first = {"file": [], "server": []}
        whole = {"file": [], "server": []}
        for _ in range(repeat):  # alternating
            for kind, project, doc_id in (("file", file, file_doc), ("server", server, server_doc)):
                a, b = _open_times(project, doc_id)
                first[kind].append(a)
                whole[kind].append(b)
        adds = {"file": [], "server": []}
        for place in _places(text, actions):  # alternating, the same places on both
            adds["file"].append(_add_time(file, file_doc, place))
            adds["server"].append(_add_time(server, server_doc, place))
    dbs.drop(name)
    return [
        Result("SV2 open 5 MB / 50k spans from the server (every span)", median(whole["file"]),
               median(whole["server"]), "s", "<= 2x", limit=2.0,
               note="document(), read_spans() in the window's pages, notes(), status(): from the server over "
                    f"TCP against the same from a project file; median of {repeat}, alternating"),
        Result("SV2a open: the first screen only (info)", median(first["file"]), median(first["server"]), "s",
               "info", note="the text, the first screen's pages of spans, notes and status (what the window "
                            "reads before its first paint)"),
        Result("SV3 add a span on the server (median)", median(adds["file"]) * 1e3, median(adds["server"]) * 1e3,
               "ms", "<= 16 ms", absolute=16.0,
               note=f"ops.tag_span on the 50k-span document, committed (fsync={FSYNC}); baseline: the same on a "
                    f"project file (synchronous=FULL); p95 {p95(adds['file']) * 1e3:.1f} / "
                    f"{p95(adds['server']) * 1e3:.1f} ms over {actions} each, alternating"),
    ]


def _seen_after(writer, reader, doc_id: int, place: tuple[int, int]) -> float:
    """Seconds from a span's commit on `writer` until `reader` has it."""
    from annotator.core import ops

    version, position = reader.data_version(), reader.change_seq()
    added = ops.tag_span(writer, doc_id, PERSON, "actor", *place).added[0]
    t0 = time.perf_counter()
    while reader.data_version() == version:
        time.sleep(0.0002)
    feed = reader.changes_since(position)
    assert added in reader.spans_by_id(feed.spans[doc_id])
    return time.perf_counter() - t0


def bench_live(dbs: _Databases, folder: Path, rounds: int = 100) -> list[Result]:
    from annotator.core.storage import Project
    from annotator.core.storage.postgres.project import ServerProject

    text, _ = generate.load_big()
    name = dbs.new_project()
    path = fresh_path(folder, "live.db")
    with Project.open(path) as file_writer, ServerProject.open(dbs.person_url(name)) as server_writer:
        file_doc, server_doc = _big_document(file_writer), _big_document(server_writer)
        with Project.open(path) as file_reader, ServerProject.open(dbs.person_url(name)) as server_reader:
            seen = {"file": [], "server": []}
            for place in _places(text, rounds, seed=11):  # alternating
                seen["file"].append(_seen_after(file_writer, file_reader, file_doc, place))
                seen["server"].append(_seen_after(server_writer, server_reader, server_doc, place))
    dbs.drop(name)
    return [Result("SV4 another connection sees a new span (median)", median(seen["file"]) * 1e3,
                   median(seen["server"]) * 1e3, "ms", "<= 1 s", absolute=1000.0,
                   note="commit -> change notice -> feed -> span read by id; the window adds at most one "
                        f"poll (250 ms); p95 {p95(seen['file']) * 1e3:.2f} / {p95(seen['server']) * 1e3:.2f} "
                        f"ms over {rounds} each, alternating")]


def bench_server() -> list[Result]:
    reason = unavailable()
    if reason:
        print(f"server benchmarks skipped: {reason}", file=sys.stderr, flush=True)
        return []
    server = _bench_server()
    try:
        dbs = _Databases(server)
        with scratch_dir("server") as folder:
            return bench_import(dbs, folder) + bench_document(dbs, folder) + bench_live(dbs, folder)
    finally:
        server.stop()


if __name__ == "__main__":
    from bench.run import table

    print(table(bench_server()))
