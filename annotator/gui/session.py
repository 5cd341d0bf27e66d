"""The open project as the window sees it: one object that holds the state
and runs every operation, and one signal that says what changed.

`Session` owns the project and the annotator, the label schema, the rows of
the document list, the open document and its spans (read once, into one
`SpanIndex`), the per-label counts of the annotator's own spans, the selected
span, which layers are visible, the undo `History` and the `WriteQueue`.
Widgets never change any of it: they call a method here, and redraw what the
`Changed` value emitted afterwards names (napari's model and events; the
flags are Anki's OpChanges). Each operation emits `changed` once, after its
state is complete, even when it nests others (undo opening the document it
undoes in): `_batch` gathers them.

Domain rules are core's: who may change a span (`core.layers`), tagging
marks a document in progress, whole-word search (`ops.tag_span`, `ops.tag_all`).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import fields, replace
from functools import partial
from operator import attrgetter
from typing import Callable, Iterator

from PySide6.QtCore import QObject, QTimer, Signal

from annotator.core import ops
from annotator.core.changes import Change
from annotator.core.errors import AnnotatorError, ProjectDetached, ProjectDisconnected
from annotator.core.history import History
from annotator.core.layers import Layer, may_change, may_edit
from annotator.core.document_query import DocumentQuery
from annotator.core.model import Document, Label, Span, excerpt
from annotator.core.storage import Project, SpanReader
from annotator.gui.document_rows import DocumentRows
from annotator.gui.session_boundaries import MovesEdges
from annotator.gui.session_changes import Changed, Gather
from annotator.gui.session_review import Reviews
from annotator.gui.session_search import Searches
from annotator.gui.session_sync import FollowsOtherPrograms
from annotator.gui.span_index import SpanIndex
from annotator.gui.write_queue import WriteQueue

# Opening a document reads the spans of its first screen before painting it
# and the rest a page per event-loop turn after (see open_document).
FIRST_SCREEN = 30_000  # code points: more than a window shows at once
FIRST_PAGE = 1_000  # spans read at a time until past FIRST_SCREEN
PAGE = 3_000  # spans: ~10 ms to read and show, so the window keeps reacting
# A change touching more spans than this is shown by rebuilding the index
# and the span list once rather than span by span (tag all: thousands).
BULK_CHANGE = 500

# The span list's order (the store's: start, end, label, annotator).
list_key = attrgetter("start", "end", "label", "annotator", "id")


class Session(QObject, FollowsOtherPrograms, Searches, Reviews, MovesEdges):
    # One per operation, with a Changed; see the module docstring.
    changed = Signal(object)
    # A status-bar message (text, milliseconds): sent after `changed`.
    told = Signal(str, int)
    # Something failed that the person must read (title, text): an error box.
    failed = Signal(str, str)
    # The project file was moved or replaced under us: nothing is read or written.
    detached = Signal()
    # A server project's connection was lost (why), or is back (""): what is
    # on screen stays, nothing is saved meanwhile, it reconnects by itself.
    connection = Signal(str)

    def __init__(self, project: Project, user: str, parent=None):
        super().__init__(parent)
        self.project = project
        self.user = user
        self._own = _own_name(user)
        self.labels: list[Label] = []
        self._labels_by_name: dict[str, Label] = {}
        self.name_filter = ""  # the start of the names listed
        self.list_query = DocumentQuery()  # the document list's sort and filter
        self.documents = DocumentRows(project, user, self.list_query)  # its rows, paged
        self.doc: Document | None = None
        self.index = SpanIndex()  # the open document's spans: the one copy
        self._ordered: list[Span] | None = []  # the same spans in list order, while known
        self.counts: Counter = Counter()  # own spans per label
        self.selected_id: int | None = None
        self.notes: dict[int, str] = {}  # span id -> note, of the open document's spans
        self.show_other_layers = False
        self.history = History()  # undo and redo (core); steps carry the Edit menu's words
        self.writes = WriteQueue(self)
        self.writes.pendingChanged.connect(lambda _n: self._emit(Changed(pending=True)))
        self.writes.savedLater.connect(lambda: self.told.emit("Saved.", 3000))
        self._reader: SpanReader | None = None  # the open document's spans still to read
        self._incomplete = False  # the open document's spans stopped loading part way (server lost)
        self._gather: Gather | None = None
        self._data_version = None
        self._reconnects = 0
        self.disconnected_because = ""
        self._seq = 0  # how far into the project's change log this session has applied
        self._init_review()  # review mode (session_review.py)

    # ------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        return self.doc.text if self.doc is not None else ""

    def label(self, name: str) -> Label | None:
        return self._labels_by_name.get(name)

    def is_own(self, span: Span) -> bool:
        return span.annotator == self._own

    def visible(self, span: Span) -> bool:
        """Drawn and listed: your own layer, and the others when asked for."""
        return self.show_other_layers or span.annotator == self._own

    def visible_of(self, spans) -> list[Span]:
        """Those of `spans` that are visible (a page of 3,000: one comprehension)."""
        if self.show_other_layers:
            return list(spans)
        own = self._own
        return [s for s in spans if s.annotator == own]

    def visible_spans(self) -> list[Span]:
        """The visible spans of the open document in list order."""
        if self._ordered is None:
            self._ordered = sorted(self.index, key=list_key)
        if self.show_other_layers:
            return list(self._ordered)
        own = self._own
        return [s for s in self._ordered if s.annotator == own]

    def own_spans(self) -> list[Span]:
        own = self._own
        return [s for s in self.visible_spans() if s.annotator == own]

    def selected_span(self) -> Span | None:
        return self.index.get(self.selected_id)

    @property
    def loading(self) -> bool:
        """Spans of the open document are still being read."""
        return self._reader is not None

    def row_of(self, doc_id: int) -> int | None:
        """The document list's row of `doc_id` (None: not listed)."""
        return self.documents.row_of(doc_id)

    # ----------------------------------------------------------- emitting

    @contextmanager
    def _batch(self) -> Iterator[Gather]:
        """Gather what an operation (and any it runs) changes; emit once."""
        if self._gather is not None:
            yield self._gather
            return
        gather = self._gather = Gather()
        try:
            yield gather
        finally:
            self._gather = None
            changed = gather.changed()
            if changed is not None:
                self.changed.emit(changed)
            for text, ms in gather.messages:
                self.told.emit(text, ms)

    def _emit(self, changed: Changed) -> None:
        with self._batch() as c:
            c.set(**{f.name: getattr(changed, f.name) for f in fields(changed)
                     if getattr(changed, f.name) != f.default})

    def _tell(self, text: str, ms: int = 5000) -> None:
        with self._batch() as c:
            c.messages.append((text, ms))

    # ------------------------------------------------------------ project

    def set_project(self, project: Project, user: str | None = None, prefer: int | None = None) -> None:
        """Show `project` (as `user`), opening document `prefer` if it is
        listed, else the first."""
        self._stop_loading()  # before its project closes under it
        if project is not self.project:
            self.project.close()
        # Writes never wait for the lock on this thread (see write_queue).
        project.wait_for_lock = False
        self.project = project
        self.show_disconnected("")
        if user is not None:
            self._set_user(user)
        with self._batch() as c:
            self.history.clear()
            self.doc = None
            self._remember_position()
            self.labels = []
            self._load_labels(c)
            self._load_documents(c)
            c.set(project=True, user=True, history=True)
            if prefer is None or self.row_of(prefer) is None:
                prefer = self.documents[0].id if self.documents else None
            try:
                self.open_document(prefer)
            except AnnotatorError as e:
                # The project opens; only this document cannot be shown.
                self.failed.emit("Document not opened", str(e))

    def set_user(self, name: str) -> None:
        with self._batch() as c:
            self._set_user(name)
            self.history.clear()
            self.selected_id = None
            self._load_documents(c)
            self._recount()
            c.set(user=True, history=True, all_spans=True, counts=True, selection=True)

    def _set_user(self, name: str) -> None:
        self.user = name
        self._own = _own_name(name)

    def set_show_other_layers(self, show: bool) -> None:
        if show == self.show_other_layers:
            return
        with self._batch() as c:
            self.show_other_layers = show
            c.set(layers=True, all_spans=True)
            span = self.selected_span()
            if span is not None and not self.visible(span):
                self.selected_id = None
                c.set(selection=True)

    def set_name_filter(self, text: str) -> None:
        """List the documents whose name contains `text` (ASCII letters
        in either case; see core/document_query.py)."""
        with self._batch() as c:
            self.name_filter = text
            self.list_query = replace(self.list_query, name_contains=text)
            self._load_documents(c)

    def set_document_sort(self, sort: str, descending: bool = False) -> None:
        """Sort the document list by name, your span count or your status."""
        with self._batch() as c:
            self.list_query = replace(self.list_query, sort=sort, descending=descending)
            self._load_documents(c)

    def _labels_changed(self, c: Gather) -> None:
        """The label schema changed (here or elsewhere): read it again, and the
        open document's spans too: a rename carries spans along in the store
        (ON UPDATE CASCADE, not in the change log), not in memory, and renames
        that swap two names leave every name known. (Rare: one read.)"""
        self.project.forget_cached()
        self._load_labels(c)
        if self.doc is not None:
            self.finish_loading()
            had = self.selected_id
            self._set_spans(self.project.spans(self.doc.id))
            c.set(all_spans=True, counts=True, selection=self.selected_id != had)

    def _load_labels(self, c: Gather) -> None:
        labels = self.project.labels()
        if labels != self.labels:
            self.labels = labels
            self._labels_by_name = {label.name: label for label in labels}
            c.set(labels=True)

    def _load_documents(self, c: Gather) -> None:
        self.documents = DocumentRows(self.project, self.user, self.list_query)
        c.set(documents=None)
        self._review_load_statuses(c)

    def _remember_position(self) -> None:
        self._data_version = self.project.data_version()
        self._reconnects = self.project.reconnects
        self._seq = self.project.change_seq()

    # ----------------------------------------------------------- document

    def open_document(self, doc_id: int | None) -> None:
        """Show a document at once: its text and the spans of its first
        screen are read before the first paint, the rest of its spans a page
        per event-loop turn after it. A 5 MB document with 50,000 spans is
        painted in about the time Qt takes to lay out its text, and stays
        responsive while the rest arrive (~0.1 s); any command first reads
        what is left (finish_loading), so none sees half a document."""
        if doc_id is not None and self.reads_blocked():
            return
        self._stop_loading()
        with self._batch() as c:
            c.set(document=True, counts=True, selection=True)
            self.selected_id = None
            if doc_id is None:
                self.doc = None
                self._set_spans([])
                self.notes = {}
                c.set(notes=True)
                self.clear_search()
                self._review_opened([])
                return
            reader = None
            try:
                doc = self.project.document(doc_id)
                reader = self.project.read_spans(doc_id)
                spans = reader.read(FIRST_PAGE)
                while not reader.done and spans[-1].start < FIRST_SCREEN:
                    spans += reader.read(FIRST_PAGE)
            except AnnotatorError:
                # Never half a document (the old one's text with the new
                # one's id would put spans at the wrong offsets): none.
                if reader is not None:
                    reader.close()
                self.doc = None
                self._set_spans([])
                raise
            self.doc = doc
            self._set_spans(spans)
            self.notes = self.project.notes(doc_id)
            c.set(notes=True)
            self.refresh_search()  # the same search, in this document
            if not reader.done:
                self._reader = reader
                QTimer.singleShot(0, partial(self._load_more, reader))
            self._review_opened(spans)  # the first screen's candidates, in review mode

    def _set_spans(self, spans: list[Span]) -> None:
        """The open document's spans, in list order (as the store reads them)."""
        self._incomplete = False
        self.index = SpanIndex(spans)
        self._ordered = spans
        self._recount()
        if self.selected_id is not None and self.index.get(self.selected_id) is None:
            self.selected_id = None
        self._review_restart()

    def _recount(self) -> None:
        own = self._own
        self.counts = Counter(s.label for s in self.index if s.annotator == own)

    def _load_more(self, reader: SpanReader) -> None:
        """Read and show the next page of the open document's spans."""
        if reader is not self._reader:
            return  # another document was opened, or loading was finished
        try:
            page = reader.read(PAGE)
        except ProjectDisconnected as e:
            # A server gone mid-load: keep what is shown (nothing can be
            # saved meanwhile, and the red notice says so); reconnecting
            # reads everything again, this document's spans included.
            self._stop_loading()
            self._incomplete = True  # finish_loading reads them all before any command
            self.show_disconnected(str(e))
            return
        except AnnotatorError:
            # The rest of this document cannot be read: show none of it
            # rather than a part that looks whole (and would be edited so).
            self._stop_loading()
            self.open_document(None)
            raise
        if reader.done:
            self._reader = None
        else:
            QTimer.singleShot(0, partial(self._load_more, reader))
        if not page:
            return
        self._review_read(page)
        with self._batch() as c:
            page = [s for s in page if self.index.get(s.id) is None]
            self.index.extend(page)
            if self._ordered is not None:
                self._ordered.extend(page)
            own = self._own
            self.counts.update(s.label for s in page if s.annotator == own)
            c.loaded.extend(page)
            c.set(counts=True)

    def finish_loading(self) -> None:
        """Read the rest of the open document's spans now: every command
        (and every write: a reader must not be open then) sees them all."""
        if self._incomplete and self.doc is not None:
            # Loading was cut off by a lost server: all of them now, or a
            # ProjectDisconnected (the command is refused, the part shown kept).
            with self._batch() as c:
                self._set_spans(self.project.spans(self.doc.id))
                c.set(all_spans=True, counts=True)
        self._incomplete = False
        if self._reader is None:
            return
        with self._batch():
            while self._reader is not None:
                self._load_more(self._reader)

    def _stop_loading(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def close(self) -> None:
        self._stop_loading()

    # ---------------------------------------------------------- selection

    def select(self, span_id: int | None, reveal: bool = False) -> None:
        with self._batch() as c:
            self.selected_id = span_id if self.index.get(span_id) is not None else None
            c.set(selection=True, reveal=reveal)

    def next_span(self, step: int, here: int) -> None:
        """Select your next (or previous) span in text order, from the
        selected one, or else from offset `here`."""
        self.finish_loading()
        spans = self.own_spans()
        if not spans:
            return
        current = self.selected_span()
        if current is not None and current.annotator == self._own:
            i = spans.index(current) + step
        else:
            i = next((k for k, s in enumerate(spans) if s.start >= here), len(spans))
            i = i if step > 0 else i - 1
        self.select(spans[i % len(spans)].id, reveal=True)

    def describe(self, span: Span, limit: int = 80) -> str:
        return f"{span.label} “{excerpt(self.text[span.start:span.end], limit)}” · {span.annotator} · " \
               f"characters {span.start}–{span.end}"

    def _quoted(self, span: Span) -> str:
        return f"“{excerpt(self.text[span.start:span.end], 30)}”"

    # ------------------------------------------------------------ editing

    def apply_label(self, label: str, selection: tuple[int, int] | None) -> None:
        """A label's hotkey or button: tag the selected text (`selection`,
        stored offsets), or else relabel the selected span; on someone
        else's span, adopt it into your own layer with that label."""
        if self.doc is None:
            return
        if self.reviewing:  # a label key while reviewing: into gold (session_review.py)
            self.review_label(label, selection)
            return
        self.finish_loading()  # the check for an identical span needs them all
        span = self.selected_span()
        if selection is not None:
            self._tag(label, *selection)
        elif span is not None and may_change(span, self.user):
            self._commit(ops.relabel_span, span.id, label, then=self._tagged)
        elif span is not None:
            self._tag(label, span.start, span.end, adopted_from=span.annotator)
        else:
            self._tell("Select some text first (drag, double-click, or Shift+arrows).")

    def _tag(self, label: str, start: int, end: int, adopted_from: str | None = None) -> None:
        if not may_edit(Layer.named(self.user), self.user):
            self._tell(f"“{self.user}” is not an annotator's layer: spans cannot be tagged into it.")
            return
        existing = [s for s in self.index.overlapping(start, end)
                    if (s.start, s.end, s.label, s.annotator) == (start, end, label, self.user)]
        if existing:  # already yours: show it rather than fail
            self.select(existing[0].id)
            return
        then = self._tagged if adopted_from is None else partial(self._tagged, adopted_from=adopted_from)
        self._commit(ops.tag_span, self.doc.id, self.user, label, start, end, then=then)

    def _tagged(self, change: Change, adopted_from: str | None = None) -> None:
        if not change.spans_after:
            return
        span = change.spans_after[0]
        verb = "tag" if change.added else "relabel"
        if adopted_from is not None:
            verb = f"adopt {adopted_from}'s"
            self._tell(f"Adopted {adopted_from}'s span into your layer as {span.label}.", 3000)
        self._record(change, f"{verb} {self._quoted(span)} as {span.label}")
        if self.doc is not None and span.doc_id == self.doc.id:
            self.select(span.id)  # (a relabelled span keeps its id, and stays selected)

    def remove_selected_span(self) -> None:
        span = self.selected_span()
        if span is None:
            self._tell("Click a span to select it, then press Delete.")
            return
        if not may_change(span, self.user):
            self._tell(f"That span is {span.annotator}'s; only your own spans can be removed.")
            return
        description = f"remove {self._quoted(span)}"
        with self._batch():
            self._commit(ops.remove_span, span.id, then=lambda change: self._record(change, description))
            self.select(None)

    def tag_all(self) -> None:
        """Give every other occurrence of the selected span's text the same
        label, in one change (one undo)."""
        span = self.selected_span()
        if span is None or not may_change(span, self.user):
            self._tell("Select one of your spans first.")
            return

        def done(change: Change) -> None:
            count = len(change.added)
            self._record(change, f"tag {count:,} occurrence{'s' if count != 1 else ''} as {span.label}")
            self._tell(f"Tagged {count} more occurrence{'s' if count != 1 else ''} as {span.label}.")

        self._commit(ops.tag_all, span, self.text, then=done)

    def toggle_done(self) -> None:
        """Mark the open document done for you; again: back to in progress."""
        if self.doc is None or self.project.read_only:
            return

        def done(change: Change) -> None:
            if change.statuses:
                status = change.statuses[0].after
                self._record(change, f"mark {status}")
                self._tell(f"Marked {status}.", 3000)

        self._commit(ops.toggle_done, self.doc.id, self.user, then=done)

    def undo(self) -> None:
        self._replay(self.history.next_undo(), self.history.undone, self.history.undo_description, "Undid",
                     "Nothing to undo.")

    def redo(self) -> None:
        self._replay(self.history.next_redo(), self.history.redone, self.history.redo_description, "Redid",
                     "Nothing to redo.")

    def _replay(self, change: Change | None, done: Callable[[Change], None], description: str | None,
                verb: str, empty: str) -> None:
        if change is None:
            self._tell(empty, 3000)
            return
        if self.busy_saving():  # which change comes next is only known once those are saved
            return

        def applied(result: Change) -> None:
            # Only now does the step move: a failed undo keeps its place.
            done(result)
            with self._batch() as c:
                c.set(history=True)
                after = result.spans_after
                self.select(after[0].id if after else None)
                self._tell(f"{verb}: {description}.")

        with self._batch():
            doc_ids = change.doc_ids
            # (A change to no document, the label schema, opens none.)
            if doc_ids and (self.doc is None or self.doc.id not in doc_ids):
                self.open_document(min(doc_ids))
            self._commit(ops.apply, change, then=applied)

    def edit_note(self, note: str | None) -> None:
        """Set the selected span's note (None or blank: take it away)."""
        span = self.selected_span()
        if span is None:
            self._tell("Select a span first (click it, or step to it with ] and [).")
            return
        if not may_change(span, self.user):
            self._tell(f"That span is {span.annotator}'s; only your own spans take your notes.")
            return

        def done(change: Change) -> None:
            if change:
                self._record(change, f"note on {self._quoted(span)}")
                self._tell("Note saved." if self.notes.get(span.id) else "Note taken away.", 3000)

        self._commit(ops.set_note, span.id, note, self.user, then=done)

    def change_labels(self, operation, *args, description: str, **options) -> None:
        """Run a label schema operation (core/schema.py) as one undoable step."""
        def done(change: Change) -> None:
            if change:
                self._record(change, description)
                self._tell(description[0].upper() + description[1:] + ".", 3000)

        self._commit(partial(operation, **options), *args, then=done)

    def _record(self, change: Change, description: str) -> None:
        with self._batch() as c:
            self.history.push(change, description)
            c.set(history=True)

    def _commit(self, operation, *args, then: Callable[[Change], None] | None = None) -> None:
        """Save one core operation, then show it and call `then(change)`:
        at once when no other program is writing, else when the write
        queue has saved it (see write_queue)."""
        self.finish_loading()
        if self.project.read_only:
            self.failed.emit("Read-only project", f"{self.project.path} is open read-only; "
                             "nothing can be changed.")
            return

        def saved(change: Change) -> None:
            with self._batch():
                self.show_saved(change)
                if then is not None:
                    then(change)

        self.writes.submit(self.project, operation, args, saved, self._not_saved)

    def show_saved(self, change: Change) -> None:
        """Show a change that is saved: document rows, the open document's
        spans, counts, the selection if its span went."""
        with self._batch() as c:
            self._update_rows(change, c)
            if change.schema is not None:
                self._labels_changed(c)
            if self.doc is None or self.doc.id not in change.doc_ids:
                self._review_saved(change, c)  # review statuses (session_review.py)
                return
            doc_id = self.doc.id
            for note in change.notes:
                if note.doc_id == doc_id:
                    if note.after is None:
                        self.notes.pop(note.span_id, None)
                    else:
                        self.notes[note.span_id] = note.after
                    c.set(notes=True)
            before = tuple(s for s in change.spans_before if s.doc_id == doc_id)
            after = tuple(s for s in change.spans_after if s.doc_id == doc_id)
            if before or after:
                self._change_spans(before, after, change, c)
            self._review_saved(change, c)  # decisions, candidates, review statuses

    def _update_rows(self, change: Change, c: Gather) -> None:
        """The document list's counts and statuses (this annotator's): the
        touched rows read again (one indexed query; see session_sync)."""
        touched = {status.doc_id for status in change.statuses if status.annotator == self.user}
        delta: Counter = Counter(s.doc_id for s in change.spans_after if s.annotator == self.user)
        delta.subtract(s.doc_id for s in change.spans_before if s.annotator == self.user)
        touched.update(doc_id for doc_id, n in delta.items() if n)
        if touched:
            self._refresh_rows(touched, c)

    def _change_spans(self, before: tuple[Span, ...], after: tuple[Span, ...], change: Change,
                      c: Gather) -> None:
        """Spans of the open document taken out (`before`) and put in
        (`after`; a relabelled span is in both, with one id)."""
        own = self._own
        if len(before) + len(after) > BULK_CHANGE:
            # Tag-all's thousands: rebuild the index and the list once (one
            # sort) rather than thousands of inserts, each moving every row
            # after it (69,000 matches: minutes).
            gone = {span.id for span in before}
            spans = [s for s in self.index if s.id not in gone]
            spans += after
            spans.sort(key=list_key)
            self._set_spans(spans)
            c.set(all_spans=True, counts=True, selection=True)
            return
        for span in before:
            self.index.remove(span)
            if span.annotator == own:
                self.counts[span.label] -= 1
        for span in after:
            self.index.add(span)
            if span.annotator == own:
                self.counts[span.label] += 1
        self._ordered = None
        c.set(spans=Change(removed=tuple(s for s in change.removed if s in before),
                           added=tuple(s for s in change.added if s in after),
                           relabeled=tuple(pair for pair in change.relabeled if pair[1] in after)),
              counts=True)
        if self.selected_id is not None and self.index.get(self.selected_id) is None:
            self.selected_id = None
            c.set(selection=True)
        self._review_spans_changed(before, after, c)

    # ------------------------------------------------------- saving state

    def busy_saving(self) -> bool:
        """True (and says so) while changes wait to be saved: they belong to
        this project and annotator, so neither may change under them."""
        if self.writes.pending:
            self._tell("Wait until the changes being saved are saved.")
        return bool(self.writes.pending)

    def reads_blocked(self) -> bool:
        """True (and says so) once the project file was moved or replaced:
        its connection may now read another database's pages."""
        if self.project.detached is not None:
            self._tell("The project file was moved or replaced: save a copy or open "
                       "it again first (click the red notice).", 8000)
        return self.project.detached is not None

    def _not_saved(self, error: AnnotatorError) -> None:
        if isinstance(error, ProjectDetached) and self.project.detached is None:
            # The worker's own connection saw it: the window's project looks
            # for itself (on this thread), so the notice says what it found.
            try:
                self.project.check_file()
            except ProjectDetached:
                pass
            else:
                self.failed.emit("Not saved", str(error))
                return
        if isinstance(error, ProjectDetached):
            self.told.emit("Not saved: the project file was moved or replaced "
                           "(see the red notice below).", 8000)
            self.detached.emit()
            return
        if isinstance(error, ProjectDisconnected) and self.disconnected_because:
            # Said already (the red notice): one box per outage is enough.
            self.told.emit("Not saved: no connection", 8000)  # (the red notice beside it says the rest)
            return
        if isinstance(error, ProjectDisconnected):
            self.show_disconnected(str(error))
        self.failed.emit("Not saved", str(error))


def _own_name(user: str) -> str | None:
    """The `annotator` value of `user`'s own spans, or None if `user` names
    no annotator layer of theirs (the reserved gold layer): then no span is
    theirs to draw as own or to edit."""
    layer = Layer.named(user)
    return user if layer.is_own(user) else None
