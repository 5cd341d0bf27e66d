"""How a session follows what other programs (another window, the CLI)
commit to its project: the change log says which spans and document rows
changed, and only those are read again (see core/feed.py). Mixed into
`Session`; kept apart because it is the one path driven by the poll timer
rather than by the person at the keyboard."""

from __future__ import annotations

from annotator.core.changes import Change
from annotator.core.errors import ProjectDetached, ProjectDisconnected
from annotator.core.feed import Feed, IdRanges
from annotator.gui.session_changes import Gather

# More touched spans than this in the open document (an import, another
# window's tag all): read its spans again, once, rather than one by one.
BULK_FEED = 500
# More touched documents than this (a large import; on a server, a log row
# someone forged with a range up to 2**62): read everything again rather
# than list them (a set of ids that size would not fit in memory).
BULK_DOCUMENTS = 20_000


class FollowsOtherPrograms:
    """The part of Session that applies other programs' commits."""

    def check_for_changes(self) -> bool:
        """Show what another connection changed; True if anything did."""
        if self.project.detached is not None or self.writes.pending:
            # Detached: what the connection reads may be another database's.
            # Pending: the queue's results arrive (and are shown) on their own;
            # a reload between its commit and its result would show them twice.
            return False
        try:
            self.project.check_file()
            version = self.project.data_version()
            self.project.settle()
        except ProjectDetached:
            self.detached.emit()
            return False
        except ProjectDisconnected as e:
            # A server project whose server went away: what is on screen
            # stays; the project reconnects by itself at a later poll.
            self.show_disconnected(str(e))
            return False
        except Exception:  # the project was closed under us (shutdown)
            return False
        self.show_disconnected("")
        if version == self._data_version and self.project.reconnects == self._reconnects:
            return False
        reconnected = self.project.reconnects != self._reconnects
        self._data_version, self._reconnects = version, self.project.reconnects
        self.project.forget_cached()
        # After a reconnect (the file was restored from a copy) the log may
        # not be the one we were reading: read everything.
        feed = None if reconnected else self.project.changes_since(self._seq)
        if feed is not None and len(feed.documents) > BULK_DOCUMENTS:
            feed = None
        with self._batch():
            if feed is None:
                self._reload_everything()
            else:
                self._apply_feed(feed)
        return True

    def show_disconnected(self, why: str) -> None:
        """Say once that the server's connection is lost ("": it is back)."""
        if why != self.disconnected_because:
            self.disconnected_because = why
            self.connection.emit(why)

    def _reload_everything(self) -> None:
        """What another program changed, when no change log says what:
        labels, the document list and the open document's spans, re-read."""
        with self._batch() as c:
            self._seq = self.project.change_seq()  # (before reading: nothing falls between)
            self._load_labels(c)
            self._load_documents(c)
            if self.doc is not None:
                # Keeps the selected span if it still exists; the view leaves
                # the text cursor (a selection in progress) alone.
                self._stop_loading()
                had = self.selected_id
                self._set_spans(self.project.spans(self.doc.id))
                c.set(all_spans=True, counts=True, selection=self.selected_id != had)

    def _apply_feed(self, feed: Feed) -> None:
        """Apply the change log's news since we last looked (see
        core.changes.Feed). Idempotent: our own commits are in it too."""
        with self._batch() as c:
            if feed.labels:
                self._labels_changed(c)
            if self.doc is not None and self.doc.id in feed.spans:
                self.finish_loading()
                self._apply_span_ids(feed.spans[self.doc.id], c)
                notes = self.project.notes(self.doc.id)  # (a note changed elsewhere touches its span)
                if notes != self.notes:
                    self.notes = notes
                    c.set(notes=True)
            touched = set(feed.documents) | set(feed.spans)
            if touched:
                self._refresh_rows(touched, c)
            self._review_feed(feed, c)  # decisions and review statuses (session_review.py)
            self._seq = feed.seq

    def _apply_span_ids(self, ids: IdRanges, c: Gather) -> None:
        """Re-read these spans of the open document and make the index match."""
        doc_id = self.doc.id
        if len(ids) > BULK_FEED:
            # Many (an import, another window's tag all): read the document's
            # spans again, once, rather than compare them one by one.
            had = self.selected_id
            self._set_spans(self.project.spans(doc_id))
            c.set(all_spans=True, counts=True, selection=self.selected_id != had)
            return
        now = {s.id: s for s in self.project.spans_by_id(ids) if s.doc_id == doc_id}
        removed, added, relabeled = [], [], []
        for span_id in ids:
            old, new = self.index.get(span_id), now.get(span_id)
            if old == new:
                continue
            if old is not None and new is not None:
                relabeled.append((old, new))
            elif old is not None:
                removed.append(old)
            else:
                added.append(new)
        if removed or added or relabeled:
            change = Change(removed=tuple(removed), added=tuple(added), relabeled=tuple(relabeled))
            self._change_spans(change.spans_before, change.spans_after, change, c)

    def _refresh_rows(self, doc_ids: set[int], c: Gather) -> None:
        """Re-read the document list rows of these documents that are cached
        (on screen or near it): never the whole list. Added documents, or
        rows that move under a sort by count or status, drop the list's
        order instead (DocumentRows.refresh); the list model then keeps the
        selection and the scroll position (DocumentTableModel.follow)."""
        self.documents.refresh(doc_ids)
        c.set(documents=frozenset(doc_ids))
