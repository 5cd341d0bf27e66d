"""The `annotator` command line: each command parses its arguments, makes one
core call and reports. Core errors become click errors (a message and a
non-zero exit status), never a traceback."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import unicodedata
from pathlib import Path

import click

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.formats import EXPORT_FORMATS, writer
from annotator.core.model import name_problem
from annotator.core.paths import default_project_path, default_user, seeds_dir
from annotator.core.store import Project


class Settings:
    def __init__(self, db: Path, user: str, db_given: bool):
        self.db = db
        self.user = user
        self.db_given = db_given

    def open_project(self) -> Project:
        # Only the per-user default project is filled with the sample
        # article; a project named with --db starts empty.
        try:
            return Project.open(self.db, seeds=None if self.db_given else seeds_dir())
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None


class _Group(click.Group):
    """Turns any problem a command meets into a message and exit status 1,
    never a traceback: core errors, and SQLite errors from a file that was
    damaged after it was opened."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
        except sqlite3.DatabaseError as e:
            where = ctx.obj.db if isinstance(ctx.obj, Settings) else "the project"
            raise click.ClickException(
                f"{where}: the project file could not be read or written ({e}); "
                "it may be damaged or another program may hold it") from None
        except UnicodeDecodeError:
            # sqlite3 raises this when an error message quotes damaged bytes.
            where = ctx.obj.db if isinstance(ctx.obj, Settings) else "the project"
            raise click.ClickException(f"{where}: the project file is damaged (text that is not "
                                       "UTF-8 where the schema or data should be)") from None


_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _printable(text: str) -> str:
    """A name as one safe terminal line: control characters (newlines,
    escape sequences) and bidi overrides (which would reorder the rest of the
    line) are shown as escapes instead of acting on the terminal."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS else ch
        for ch in text)


def _utf8_stdout():
    """Standard output writing UTF-8, whatever the locale says (JSONL is UTF-8)."""
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
        out.reconfigure(encoding="utf-8")
    return out


def _is_project_file(output: Path, db: Path) -> bool:
    out = output.resolve()
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
        try:
            if out == name.resolve() or (out.exists() and name.exists() and os.path.samefile(out, name)):
                return True
        except OSError:
            continue
    return False


def _check_user(ctx, param, value: str | None) -> str:
    value = value or default_user()
    problem = name_problem(value, "annotator name")
    if problem:
        raise click.BadParameter(problem)
    return value


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar="ANNOTATOR_DB",
              help="Project file (SQLite). Env: ANNOTATOR_DB. "
                   "Default: a per-user project holding the sample article.")
@click.option("--user", callback=_check_user, envvar="ANNOTATOR_USER", metavar="NAME",
              help="Your annotator name. Env: ANNOTATOR_USER. Default: your login name.")
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, user: str) -> None:
    """Label spans of text (actor, organisation, date, quote) and export them.

    With no command, opens the annotation window on the project.
    """
    ctx.obj = Settings(db or default_project_path(), user, db_given=db is not None)
    if ctx.invoked_subcommand is None:
        from annotator.gui.launch import run_gui  # Qt is only loaded for the window

        sys.exit(run_gui(ctx.obj.db, ctx.obj.user, seeds=None if ctx.obj.db_given else seeds_dir()))


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--add-labels", is_flag=True,
              help="Add labels the files use that the project does not have yet, "
                   "instead of rejecting them.")
@click.pass_obj
def import_command(settings: Settings, files: tuple[Path, ...], add_labels: bool) -> None:
    """Import .txt files (one document each) and .jsonl files (one per line).

    Either every file is imported or, if any is bad, nothing is: each problem
    is reported with its file and line. A document already in the project
    (same name and text) is not added twice; its spans are merged. Spans on
    a line without "annotator" belong to --user.
    """
    # Imported here, not at the top: `annotator` with no command starts the
    # window, and every import on that path is start-up time.
    from annotator.core.importer import import_files

    with settings.open_project() as project:
        try:
            result = import_files(project, files, annotator=settings.user, add_labels=add_labels)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
    parts = [f"{result.documents_added} document{'s' if result.documents_added != 1 else ''} added"]
    if result.documents_existing:
        parts.append(f"{result.documents_existing} already present")
    parts.append(f"{result.spans_added} span{'s' if result.spans_added != 1 else ''} added")
    if result.labels_added:
        parts.append(f"new labels: {', '.join(result.labels_added)}")
    click.echo(f"Imported into {settings.db}: " + "; ".join(parts) + ".", err=True)


@cli.command("export")
@click.option("--format", "format_name", type=click.Choice(EXPORT_FORMATS), default="jsonl",
              show_default=True, help="Output format.")
@click.option("--annotator", metavar="NAME",
              help="Export only this annotator's layer: exactly one line per document.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@click.pass_obj
def export_command(settings: Settings, format_name: str, annotator: str | None, output: Path | None) -> None:
    """Export every document with its spans, one JSON object per line.

    \b
    {"text": ..., "spans": [{"start", "end", "label", "text"}],
     "annotator": ..., "meta": {"name": ...}}

    Offsets count Unicode code points (Python string indices), end exclusive.
    """
    from annotator.core import exporter  # see import_command

    write = writer(format_name)
    if output is not None and _is_project_file(output, settings.db):
        raise click.ClickException(
            f"{output}: that is the project file (or one of its -wal/-shm files); exporting over it "
            "would destroy the project. Choose another output file.")
    with settings.open_project() as project:
        records = exporter.layers(project, annotator)
        try:
            if output is None:
                out = _utf8_stdout()
                try:
                    write(records, out)
                    out.flush()
                except BrokenPipeError:
                    # The reader stopped early (`annotator export | head`): not an
                    # error worth a message. Point stdout at devnull so Python's
                    # final flush does not complain either.
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                    sys.exit(1)
                except OSError as e:
                    raise click.ClickException(
                        f"the export could not be written to standard output: {e.strerror or e}") from None
            else:
                n = exporter.write_atomically(output, lambda f: write(records, f))
                click.echo(f"Wrote {n} line{'s' if n != 1 else ''} to {output}.", err=True)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None


@cli.command("list")
@click.pass_obj
def list_command(settings: Settings) -> None:
    """List the documents with each annotator's span count."""
    with settings.open_project() as project:
        counts = project.span_counts()
        summaries = project.document_summaries(settings.user)
    if not summaries:
        click.echo(f"No documents in {settings.db} yet; add some with `annotator import FILE`.", err=True)
        return
    width = max(len(str(s.id)) for s in summaries)
    for s in summaries:
        layers = counts.get(s.id, {})
        spans = ", ".join(f"{who}: {n}" for who, n in layers.items()) or "no spans"
        spans = _printable(spans)
        click.echo(f"{s.id:>{width}}  {_printable(s.name)}  ({s.length:,} characters; {spans})")


def main() -> None:
    cli(prog_name="annotator")
