"""The window's review commands (View › Review and the Review menu), kept
out of main_window.py like document_commands.py: each calls a Session
method (session_review.py)."""

from __future__ import annotations


def toggle_review(window, on: bool) -> None:
    window.session.set_reviewing(on)  # the window follows (MainWindow._show_review_mode)


def _here(window) -> int:
    return window.view.offsets.to_text(window.view.textCursor().position())


def next_candidate(window) -> None:
    window.session.step_candidate(1, here=_here(window))


def previous_candidate(window) -> None:
    window.session.step_candidate(-1, here=_here(window))


def next_conflict(window) -> None:
    window.session.step_candidate(1, conflicts=True, here=_here(window))


def previous_conflict(window) -> None:
    window.session.step_candidate(-1, conflicts=True, here=_here(window))


def next_reading(window) -> None:
    window.session.step_reading(1)


def previous_reading(window) -> None:
    window.session.step_reading(-1)


def accept_reading(window) -> None:
    window.session.accept_reading()


def reject_reading(window) -> None:
    window.session.reject_reading()


def accept_all_agreed(window) -> None:
    window.session.accept_all_agreed(window.review_panel.chosen_min_agree())


def toggle_reviewed(window) -> None:
    window.session.toggle_reviewed()
