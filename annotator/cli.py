"""The `annotator` command line: each command parses its arguments, makes one
core call and reports. Core errors become click errors (a message and a
non-zero exit status), never a traceback."""

from __future__ import annotations

import io
import os
import stat
import sys
import time
import unicodedata
from pathlib import Path
from typing import NoReturn

import click

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.formats import EXPORT_FORMATS, FORMATS, Format, by_name
from annotator.core.model import name_problem, normalize_name
from annotator.core.paths import default_project_path, default_user, seeds_dir
from annotator.core.storage import Project


class Settings:
    def __init__(self, db: Path | str | None, user: str, user_given: str | None = None):
        # A server URL (postgresql://...) stays a string; it is only ever
        # shown through redact_url (no password in a message).
        self.server_url = db if isinstance(db, str) else None
        self._db = None if self.server_url else db
        self.user = user
        self.db_given = db is not None
        # where --user came from ("--user", "ANNOTATOR_USER"), None when it is the login name
        self.user_given = user_given

    @property
    def db(self) -> Path | str:
        # Looked up only when a command needs it, so `--help` and `--db FILE`
        # work where there is no home folder (ProjectError, shown by _Group).
        # A server project: its URL as messages show it (no password).
        if self.server_url is not None:
            return _redacted(self.server_url)
        if self._db is None:
            self._db = default_project_path()
        return self._db

    def refuse_on_server(self, what: str) -> None:
        """`what` cannot work on a server project yet: say so (exit status 1)."""
        if self.server_url is not None:
            raise click.ClickException(f"{what} is not available for server projects yet "
                                       f"({self.db}); it works on a project file.")

    def open_project(self, acting: str | None = None, asked_by: str = "--user") -> Project:
        """Open the project, creating it if it does not exist (import, the window).
        On a server: as the login the URL gives, which `acting` (a
        command's own --user) or the global --user must be."""
        if self.server_url is not None:
            return self._open_server(acting, asked_by)
        # Only the per-user default project is filled with the sample
        # article; a project named with --db starts empty.
        try:
            project = Project.open(self.db, seeds=None if self.db_given else seeds_dir())
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
        if project.backup_path is not None:
            click.echo(f"Upgraded {self.db} for this version of annotator; the old version was kept "
                       f"as {project.backup_path}.", err=True)
        return project

    def _open_server(self, acting: str | None, asked_by: str):
        from annotator.core.storage.postgres.opening import open_server_project

        if acting is None and self.user_given:
            acting, asked_by = self.user, self.user_given
        project = open_server_project(self.server_url, acting, asked_by=asked_by)
        self.user = project.login  # whose layer this is: the server's name for them
        return project

    def open_existing(self, acting: str | None = None, asked_by: str = "--user") -> Project:
        """Open the project for a command that only reads it: one that does
        not exist is an error, never a new empty project (a typo in --db
        would otherwise export nothing over a good file)."""
        if self.server_url is None:
            problem = _missing_project(self.db, self.db_given)
            if problem:
                raise click.ClickException(problem)
        return self.open_project(acting, asked_by)


def _redacted(url: str):
    from annotator.core.storage.postgres.url import redact_url

    return redact_url(url)


class _ProjectLocation(click.ParamType):
    """--db: a project file's path, or a server project's URL
    (postgresql:// or postgres://), which must stay a string (a Path
    would fold its //)."""

    name = "FILE|URL"
    _file = click.Path(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        from annotator.core.storage.postgres.url import is_server_url

        if isinstance(value, str) and is_server_url(value):
            return value
        return self._file.convert(value, param, ctx)


def _missing_project(db: Path, db_given: bool) -> str | None:
    try:
        st = os.stat(db)
    except (FileNotFoundError, NotADirectoryError):
        empty = False
    except OSError:
        return None  # it exists but cannot be looked at: opening it says why
    else:
        if not stat.S_ISREG(st.st_mode) or st.st_size > 0:
            return None
        empty = True
    if not db_given:
        return (f"there is no project yet (the default project, {db}, is made when you first open "
                "the window with `annotator` or import with `annotator import FILE`); nothing was "
                "created. Or name a project with --db FILE.")
    if empty:
        problem = f"{db}: is an empty file, not a project (nothing was changed)."
    else:
        problem = f"{db}: no such project (nothing was created)."
    problem += " `annotator import FILE` or the window creates a project."
    other = _same_name_other_case(db)
    return f"{problem} Did you mean {other}?" if other else problem


def _same_name_other_case(path: Path) -> Path | None:
    try:
        names = sorted(os.listdir(path.parent if str(path.parent) else "."))
    except OSError:
        return None
    wanted = path.name.casefold()
    return next((path.with_name(n) for n in names if n.casefold() == wanted and n != path.name), None)


class _Group(click.Group):
    """Turns any problem a command meets into a message and exit status 1,
    never a traceback. The core reports every problem as an AnnotatorError
    (storage turns SQLite's errors into ProjectError)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
        except UnicodeDecodeError:
            # sqlite3 raises this when an error message quotes damaged bytes.
            where = _where(ctx)
            raise click.ClickException(f"{where}: the project file is damaged (text that is not "
                                       "UTF-8 where the schema or data should be)") from None


def _where(ctx: click.Context) -> str:
    settings = ctx.obj
    if isinstance(settings, Settings) and settings.server_url is not None:
        return str(settings.db)
    return str(settings._db) if isinstance(settings, Settings) and settings._db else "the project"


_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _printable(text: str) -> str:
    """A name as one safe terminal line: control characters (newlines,
    escape sequences) and bidi overrides (which would reorder the rest of the
    line) are shown as escapes instead of acting on the terminal."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS else ch
        for ch in text)


def _stdout():
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        raise click.ClickException("standard output is closed; nothing was written. "
                                   "Redirect it to a file or a pipe instead.")
    return sys.stdout


def _stdout_fd() -> int:
    try:
        return sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return 1


def _utf8_stdout():
    """Standard output writing UTF-8, whatever the locale says (JSONL is UTF-8)."""
    out = _stdout()
    if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
        out.reconfigure(encoding="utf-8")
    return out


def _stdout_failed(error: OSError) -> NoReturn:
    """Report a failed write to standard output, once. What is still
    buffered goes to devnull instead, so Python's final flush at exit does
    not fail again ("Exception ignored ...")."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing will flush at exit
    if isinstance(error, BrokenPipeError):
        # The reader stopped early (`annotator list | head`): not an error
        # worth a message.
        sys.exit(1)
    raise click.ClickException(
        f"the output could not be written to standard output: {error.strerror or error}")


def _terminal_safe(line: str, encoding: str) -> tuple[str, bool]:
    """`line` with each character `encoding` cannot hold as a \\u escape,
    and whether there was any: the name stays readable and nothing is lost."""
    try:
        line.encode(encoding)
        return line, False
    except (UnicodeEncodeError, LookupError):
        pass

    def fits(ch: str) -> bool:
        try:
            ch.encode(encoding)
            return True
        except (UnicodeEncodeError, LookupError):
            return False

    return "".join(ch if fits(ch) else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"
                   for ch in line), True


def _check_user(ctx, param, value: str | None) -> str:
    # NFC, as names are stored: "José" typed decomposed is the same person.
    value = normalize_name(value or default_user())
    problem = name_problem(value, "annotator name")
    if problem:
        raise click.BadParameter(problem)
    return value


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=_ProjectLocation(), envvar="ANNOTATOR_DB",
              help="Project file (SQLite), or a project on a PostgreSQL server: "
                   "postgresql://NAME@HOST/DATABASE (see the README's \"Team server\"). Env: ANNOTATOR_DB. "
                   "Default: a per-user project holding the sample article.")
@click.option("--user", callback=_check_user, envvar="ANNOTATOR_USER", metavar="NAME",
              help="Your annotator name. Env: ANNOTATOR_USER. Default: your login name.")
@click.option("--review", is_flag=True,
              help="Open the window in review mode (as reviewer --user): every annotator's layer and gold.")
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db: Path | str | None, user: str, review: bool) -> None:
    """Label spans of text (actor, organisation, date, quote) and export them.

    With no command, opens the annotation window on the project.
    """
    source = ctx.get_parameter_source("user")
    user_given = {click.core.ParameterSource.COMMANDLINE: "--user",
                  click.core.ParameterSource.ENVIRONMENT: "ANNOTATOR_USER"}.get(source)
    ctx.obj = Settings(db, user, user_given)
    if review and ctx.invoked_subcommand is not None:
        raise click.UsageError("--review opens the window in review mode; it does not go with a command "
                               f"({ctx.invoked_subcommand}).")
    if ctx.invoked_subcommand is None:
        from annotator.gui.launch import run_gui  # Qt is only loaded for the window

        settings = ctx.obj
        if settings.server_url is not None:  # as the login, which --user (if given) must be
            db, user = settings.server_url, settings.user if settings.user_given else None
        else:
            db, user = settings.db, settings.user
        # (review only when asked: run_gui's other callers and stand-ins take three arguments)
        sys.exit(run_gui(db, user, seeds=None if settings.db_given else seeds_dir(),
                         **({"review": True} if review else {})))


class _ProgressLine:
    """The importer's progress, one line on standard error rewritten in
    place ("Reading archive.jsonl, MB: 310 of 1,024"), at most ten times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.width = 0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        line = f"{step}: {done:,} of {total:,}" + (f" ({100 * done // total}%)" if total else "")
        click.echo("\r" + line.ljust(self.width), nl=False, err=True)
        self.width = len(line)

    def end(self) -> None:
        if self.width:
            click.echo("\r" + " " * self.width + "\r", nl=False, err=True)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--add-labels", is_flag=True,
              help="Add labels the files use that the project does not have yet, "
                   "instead of rejecting them.")
@click.option("--as", "as_annotator", metavar="NAME", callback=lambda ctx, param, value: _check_as(value),
              help="Import every span as NAME's layer, whatever the file's lines say "
                   "(someone's exported work).")
@click.option("--progress/--no-progress", default=None,
              help="Show how far the import got on standard error (default: when it is a terminal).")
@click.pass_obj
def import_command(settings: Settings, files: tuple[Path, ...], add_labels: bool,
                   as_annotator: str | None = None, progress: bool | None = None) -> None:
    """Import files (and brat folders) in any format annotator reads.

    \b
    The format is recognised from the suffix, or from the content where the
    suffix is missing or shared: .txt (one document), .jsonl (ours, spaCy/
    Prodigy or doccano), .json (Label Studio), .conll, .spacy, .html, or a
    folder of brat .txt/.ann files. See the README's "Exchange formats".

    Either every file is imported or, if any is bad, nothing is: each problem
    is reported with its file and line. A document already in the project
    (same name and text) is not added twice; its spans are merged. Spans on
    a line without "annotator" belong to --user.
    """
    # Imported here, not at the top: `annotator` with no command starts the
    # window, and every import on that path is start-up time.
    from annotator.core.importer import import_files

    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    shown = _ProgressLine() if progress else None
    with settings.open_project() as project:
        try:
            result = import_files(project, files, annotator=settings.user, add_labels=add_labels,
                                  as_annotator=as_annotator, progress=shown)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
        finally:
            if shown is not None:
                shown.end()
        unindexed = project.text_index_pending()
    parts = [f"{result.documents_added} document{'s' if result.documents_added != 1 else ''} added"]
    if result.documents_existing:
        parts.append(f"{result.documents_existing} already present")
    parts.append(f"{result.spans_added} span{'s' if result.spans_added != 1 else ''} added")
    if result.labels_added:
        parts.append(f"new labels: {', '.join(result.labels_added)}")
    click.echo(f"Imported into {settings.db}: " + "; ".join(parts) + ".", err=True)
    if unindexed:
        click.echo(f"Text search: {unindexed:,} documents are not in the search index yet; the window "
                   "adds them in the background while the project is open, or run `annotator index` "
                   "(searches find them meanwhile, more slowly).", err=True)


# Documents a slice: the window's indexer's (gui/text_indexer.py); the
# store bounds a slice by its text too (about 0.3 s of the write lock).
INDEX_SLICE = 500


@cli.command("index")
@click.option("--progress/--no-progress", default=None,
              help="Show how far it got on standard error (default: when it is a terminal).")
@click.pass_obj
def index_command(settings: Settings, progress: bool | None = None) -> None:
    """Add to the search index the text a large import left out.

    An import of 2,000 documents or more leaves their text out of the
    full-text index, which is most of a large import's time; searches
    (`list --where`, `export --where`, the window's Find) read that text
    meanwhile, more slowly, and the window indexes it in the background.
    This does it now, a slice at a time: other programs write between
    slices, and an interrupted run keeps what it did.
    """
    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    shown = _ProgressLine() if progress else None
    with settings.open_existing() as project:
        left = first = project.text_index_pending()
        try:
            while left:
                left = project.index_pending_text(INDEX_SLICE)
                first = max(first, left)  # (another program's import added some meanwhile)
                if shown is not None:
                    shown("Indexing text for search, documents", first - left, first)
        except AnnotatorError as e:
            raise click.ClickException(f"{e} ({first - left:,} of {first:,} documents were indexed; "
                                       "run `annotator index` again to go on)") from None
        except KeyboardInterrupt:
            click.echo(f"\nStopped: {first - left:,} of {first:,} documents were indexed (kept); run "
                       "`annotator index` again to go on.", err=True)
            sys.exit(130)
        finally:
            if shown is not None:
                shown.end()
    if first:
        click.echo(f"Indexed the text of {first:,} documents of {settings.db} for search.", err=True)
    else:
        click.echo(f"Every document of {settings.db} is in the search index already.", err=True)


def _format_options(command):
    """A flag for every option a format declares (`--tokens` of jsonl), so
    a new format's options reach the command line from the registry."""
    for format_ in reversed(FORMATS):
        for option in reversed(format_.options):
            command = click.option(f"--{option.name.replace('_', '-')}", option.name, is_flag=True,
                                   help=f"{option.help} ({format_.name} only)")(command)
    return command


def _formats_epilog() -> str:
    lines = ["\b", "Formats (--format, or from the suffix of -o):"]
    for format_ in FORMATS:
        if format_.write:
            where = "a folder" if format_.folder else "/".join(format_.suffixes)
            extra = f"; needs `pip install 'annotator[{format_.extra}]'`" if format_.extra else ""
            lines.append(f"  {format_.name:<12} {format_.title} ({where}{extra})")
    return "\n".join(lines)


@cli.command("export", epilog=_formats_epilog())
@click.option("--format", "format_name", type=click.Choice(EXPORT_FORMATS),
              help="Output format (default: from the suffix of -o, else jsonl).")
@click.option("--annotator", metavar="NAME", multiple=True,
              help="Export only this annotator's layer: exactly one record per document. "
                   "Give it more than once for several layers; `gold` is the reviewed layer.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write to this file or folder (whole or not at all) instead of standard output.")
@click.option("--where", metavar="TEXT", multiple=True,
              help="Export only documents whose text contains TEXT (ignoring case). "
                   "Give it more than once: documents containing every TEXT.")
@_format_options
@click.pass_obj
def export_command(settings: Settings, format_name: str | None, annotator: tuple[str, ...],
                   output: Path | None, where: tuple[str, ...], **options: bool) -> None:
    """Export every document with its spans (JSONL unless --format says otherwise).

    \b
    JSONL: one JSON object per document and annotator:
    {"text": ..., "spans": [{"start", "end", "label", "text"}],
     "annotator": ..., "meta": {"name": ...}}

    Offsets count Unicode code points (Python string indices), end exclusive.
    """
    from annotator.core import exporter  # see import_command

    format_ = _export_format(format_name, output)
    asked = {name: value for name, value in options.items() if value}
    foreign = [name for name in asked if name not in {option.name for option in format_.options}]
    if foreign:
        raise click.UsageError(f"--{foreign[0].replace('_', '-')} does not apply to the {format_.name} format")
    if output is None and (format_.folder or format_.binary):
        raise click.UsageError(f"the {format_.name} format writes a {'folder' if format_.folder else 'binary file'}; "
                               "name it with -o")
    with settings.open_existing() as project:
        _check_output(settings, output)
        names = [exporter.check_annotator(project, name) for name in annotator] or None
        records = exporter.layers(project, names, where=where)
        notes: list[str] = []
        try:
            if output is None:
                n = _write_output(None, lambda f: format_.write(records, f, report=notes.append, **asked))
            else:
                n = exporter.write_export(records, format_, output, report=notes.append, **asked)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
    for note in notes:
        click.echo(f"Note: {note}", err=True)
    if output is not None:
        click.echo(f"Wrote {n} {format_.unit}{'s' if n != 1 else ''} to {output}.", err=True)


def _export_format(name: str | None, output: Path | None) -> Format:
    """The format asked for, else the one the output's suffix names, else JSONL."""
    if name is not None:
        return by_name(name)
    if output is not None:
        named = [f for f in FORMATS if f.write and output.suffix.lower() in f.suffixes and not f.folder]
        if len(named) >= 1 and output.suffix:
            # .jsonl is shared by jsonl and doccano: the registry lists jsonl, our own, last; prefer it.
            return next((f for f in named if f.name == "jsonl"), named[0])
    return by_name("jsonl")


def _check_output(settings: Settings, output: Path | None) -> None:
    """Refuse an output that is the project or another database (see
    exporter.check_output); standard output too (`export >> p.db`: the
    shell opened the project for us to append to)."""
    from annotator.core import exporter

    if settings.server_url is not None:
        # the project is not a file here: only other databases are refused
        if output is not None:
            exporter.check_output(output, Path(os.devnull) / "no project file")
        return
    if output is not None:
        exporter.check_output(output, settings.db)
    else:
        exporter.check_output(Path(f"/dev/fd/{_stdout_fd()}"), settings.db, stream=True)


def _write_output(output: Path | None, write):
    """`write(stream)` to standard output (UTF-8; a closed or full one said
    clearly), or atomically to `output`; returns what `write` returns."""
    from annotator.core import exporter

    if output is not None:
        return exporter.write_atomically(output, write)
    out = _utf8_stdout()
    try:
        result = write(out)
        out.flush()
    except OSError as e:
        _stdout_failed(e)
    return result


@cli.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_obj
def backup_command(settings: Settings, dest: Path) -> None:
    """Write a complete, checked copy of the project to DEST.

    DEST is a file, or a folder to hold one named like the project. An
    existing DEST (an earlier backup) is replaced, whole or not at all.
    The copy holds every change, including those still in the project's
    -wal file (which copying the .db file misses), and can be made while
    windows have the project open.
    """
    from annotator.core.backup import backup_project  # see import_command

    settings.refuse_on_server("backup (use the server's own: pg_dump)")
    with settings.open_existing() as project:
        result = backup_project(project, dest)
    click.echo(f"Backed up {settings.db} to {result.path}: {result.documents:,} "
               f"document{'s' if result.documents != 1 else ''}, {result.spans:,} "
               f"span{'s' if result.spans != 1 else ''}.", err=True)


@cli.command("list")
@click.option("--where", metavar="TEXT", multiple=True,
              help="List only documents whose text contains TEXT (ignoring case). "
                   "Give it more than once: documents containing every TEXT.")
@click.pass_obj
def list_command(settings: Settings, where: tuple[str, ...]) -> None:
    """List the documents with each annotator's span count. Streamed: each
    line is written as its row is read, so a million documents start at
    once and nothing is held (the id column's width comes from the highest
    id, known before the first row)."""
    with settings.open_existing() as project:
        if any(where):
            ids = project.search_documents(where)
            rows = project.listing_rows(ids)
            width = len(str(max(ids, default=0)))
        else:
            rows = project.listing_rows()
            width = len(str(project.highest_document_id()))
        out = _stdout()
        encoding = getattr(out, "encoding", None) or "utf-8"
        listed = escaped = False
        try:
            for doc_id, name, length, layers in rows:
                spans = ", ".join(f"{who}: {n}" for who, n in layers) or "no spans"
                line, changed = _terminal_safe(
                    f"{doc_id:>{width}}  {_printable(name)}  ({length:,} characters; {_printable(spans)})",
                    encoding)
                escaped |= changed
                listed = True
                out.write(line + "\n")
            out.flush()
        except OSError as e:
            _stdout_failed(e)
    if not listed and any(where):
        click.echo(f"No document in {settings.db} contains {' and '.join(map(repr, where))}.", err=True)
        return
    if not listed:
        click.echo(f"No documents in {settings.db} yet; add some with `annotator import FILE`.", err=True)
        return
    if escaped:
        raise click.ClickException(
            f"some names hold characters this terminal's encoding ({encoding}) cannot show; they are "
            "written above as \\u escapes. Use a UTF-8 locale (for example LANG=C.UTF-8) or set "
            "PYTHONIOENCODING=utf-8 to see them.")


def _check_as(value: str | None) -> str | None:
    if value is None:
        return None
    value = normalize_name(value)  # as names are stored
    problem = name_problem(value, "annotator name")
    if problem:
        raise click.BadParameter(problem, param_hint="'--as'")
    return value


@cli.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="OTHER.db...")
@click.option("--prefer", type=click.Choice(["incoming", "existing"]),
              help="Settle clashes: the other files' layers replace this project's (incoming), "
                   "or this project's stay as they are (existing).")
@click.pass_obj
def merge_command(settings: Settings, others: tuple[Path, ...], prefer: str | None) -> None:
    """Bring other annotators' layers from their project files into this one.

    Documents are matched by name and exact text; new ones are added. A
    layer an earlier merge brought in is replaced by the newer one, so
    additions and deletions come through; merging the same files again
    changes nothing. The other files are only read, never changed.

    A clash (a layer made or changed here that differs from the incoming
    one, or two files holding different layers for the same annotator and
    document) is reported and nothing is merged, unless --prefer says
    which side wins. All or nothing, in one transaction.
    """
    from annotator.core.merge import merge_projects  # see import_command

    with settings.open_existing() as project:
        result = merge_projects(project, others, prefer=prefer)
    click.echo(f"Merged into {settings.db}: {result.summary()}", err=True)
    for clash in result.resolved:
        click.echo(f"  kept {'incoming' if prefer == 'incoming' else 'existing'}: {_printable(str(clash))}",
                   err=True)


@cli.command("tag")
@click.option("--label", required=True, metavar="LABEL", help="The label to give every match.")
@click.option("--text", "text", metavar="TEXT",
              help="Find this text (whole words where it begins or ends with a letter or digit).")
@click.option("--regex", metavar="PATTERN", help="Find every match of this regular expression (Python syntax).")
@click.option("--case-sensitive", is_flag=True, help="Match case exactly (the default ignores case).")
@click.option("--document", "documents", multiple=True, metavar="NAME",
              help="Only this document (repeat for several); the default is every document.")
@click.option("--user", "tagger", callback=lambda ctx, param, value: _check_user(ctx, param, value) if value else None,
              metavar="NAME", help="Whose layer the spans go into. Default: the global --user.")
@click.pass_obj
def tag_command(settings: Settings, label: str, text: str | None, regex: str | None, case_sensitive: bool,
                documents: tuple[str, ...], tagger: str | None) -> None:
    """Tag every match of a text or pattern as LABEL in your layer (--user).

    Matches already tagged with LABEL, or inside a span of LABEL, are
    skipped, so running it again adds nothing. All in one transaction.

    \b
    Example:
      annotator --user alice tag --label actor --text "Xi Jinping"
      annotator --user alice tag --label date --regex "(January|July) \\d{1,2}, \\d{4}"
    """
    from annotator.core.search import pattern_for
    from annotator.core.tagging import tag_by_search

    if (text is None) == (regex is None):
        raise click.UsageError("give exactly one of --text TEXT or --regex PATTERN")
    try:
        pattern = pattern_for(text if text is not None else regex, regex=regex is not None,
                              case_sensitive=case_sensitive)
    except AnnotatorError as e:
        raise click.BadParameter(str(e), param_hint="--regex" if regex is not None else "--text") from None
    with settings.open_existing(tagger, "tag --user") as project:
        user = tagger or settings.user  # (on a server: the login, once opened)
        result = tag_by_search(project, user, normalize_name(label), pattern, list(documents) or None)
    added = len(result.change.added)
    click.echo(f"Tagged {added:,} match{'es' if added != 1 else ''} as {normalize_name(label)} for "
               f"{user} in {result.documents:,} document{'s' if result.documents != 1 else ''}"
               f"; {result.skipped:,} skipped (already tagged so, or inside a span of that label).")


@cli.command("curate")
@click.option("--min-agree", "min_agree", type=click.IntRange(min=1), metavar="N",
              help="How many annotators must hold a span exactly. Default: all who annotated the document.")
@click.option("--annotators", metavar="A,B,...",
              help="Count only these annotators (comma-separated). Default: everyone.")
@click.option("--user", "reviewer", metavar="REVIEWER",
              callback=lambda ctx, param, value: None if value is None else _check_user(ctx, param, value),
              help="The reviewer the decisions are stored under. Default: the global --user.")
@click.pass_obj
def curate_command(settings: Settings, min_agree: int | None, annotators: str | None,
                   reviewer: str | None) -> None:
    """Accept all agreed: put into the gold layer every span that at least N
    annotators tagged exactly alike (same start, end and label), in every
    document, as decisions of --user (the reviewer).

    Spans already in gold, or rejected in review, are skipped, so running it
    again adds nothing. Annotators' own layers are not changed. All or
    nothing: one transaction. (Only steps taken in the window can be undone
    there; export gold first if you may want this one back.)
    """
    from annotator.core import review  # see import_command

    acting = reviewer
    names = None
    if annotators is not None:
        names = [name.strip() for name in annotators.split(",") if name.strip()]
        if not names:
            raise click.BadParameter("name at least one annotator", param_hint="--annotators")
    with settings.open_existing(acting, "curate --user") as project:
        reviewer = reviewer or settings.user  # (on a server: the login, once opened)
        try:
            change = review.accept_all_agreed(project, None, reviewer, min_agree=min_agree, annotators=names)
        except AnnotatorError as e:
            raise click.ClickException(str(e)) from None
        # (Why nothing: so few annotators that N can never agree, or all done.)
        most = 0 if change or min_agree is None else max(
            (len(review.document_annotators(project, d.id)) for d in project.document_summaries(reviewer)),
            default=0)
    n, docs = len(change.added), len(change.doc_ids)
    if not n:
        why = (f"no document has {min_agree} annotators (at most {most} annotated one), so {min_agree} cannot "
               "agree anywhere; give a smaller --min-agree" if min_agree is not None and min_agree > most
               else "every agreed span is already there (or was rejected)")
        click.echo(f"Nothing to add to gold in {settings.db}: {why}.", err=True)
        return
    click.echo(f"Added {n:,} agreed span{'s' if n != 1 else ''} to gold in {docs:,} "
               f"document{'s' if docs != 1 else ''} of {settings.db}, as reviewer {reviewer}.", err=True)


@cli.command("agreement")
@click.option("--annotators", metavar="A,B,...",
              help="Compare only these annotators (comma-separated; `gold` is the reviewed layer). "
                   "Default: everyone with a span or a status, gold left out.")
@click.option("--labels", metavar="L1,L2,...", help="Count only spans of these labels. Default: all.")
@click.option("--format", "format_name", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@click.pass_obj
def agreement_command(settings: Settings, annotators: str | None, labels: str | None, format_name: str,
                      output: Path | None) -> None:
    """Inter-annotator agreement: span precision, recall and F1 (exact and
    overlapping) and token Cohen's kappa for each pair, Fleiss' kappa and
    Krippendorff's alpha across all, the worst documents first, and token
    label confusion matrices. Figures that are undefined (no spans, or
    agreement that chance alone explains fully) are shown as - (null in JSON).
    """
    from annotator.core import agreement, agreement_output  # see import_command

    def names(value: str | None, option: str) -> list[str] | None:
        if value is None:
            return None
        found = [name.strip() for name in value.split(",") if name.strip()]
        if not found:
            raise click.BadParameter("name at least one", param_hint=option)
        return found

    wanted_annotators, wanted_labels = names(annotators, "--annotators"), names(labels, "--labels")
    write = agreement_output.writer(format_name)
    with settings.open_existing() as project:
        _check_output(settings, output)
        report = agreement.project_agreement(project, wanted_annotators, wanted_labels)
    _write_output(output, lambda f: write(report, f))
    if output is not None:
        click.echo(f"Wrote the agreement of {', '.join(report.annotators)} to {output}.", err=True)


@cli.group("labels", invoke_without_command=True)
@click.pass_context
def labels_group(ctx: click.Context) -> None:
    """List the project's labels, or change them (see the subcommands).

    \b
    Examples:
      annotator labels
      annotator labels add person --color "#0072B2" --key 5 --description "A named person"
      annotator labels rename organisation org
      annotator labels set org --key o --color "#56B4E9"
      annotator labels remove topic --force
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = ctx.obj
    with settings.open_existing() as project:
        labels = project.labels()
        use = project.span_counts_by_label()
    out = _stdout()
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        for label in labels:
            keys = "+".join(label.keys) or "-"
            note = f"  {label.description}" if label.description else ""
            line, _ = _terminal_safe(f"{_printable(label.name)}  {label.color}  keys {keys}  "
                                     f"{use.get(label.name, 0):,} spans  ({label.display}){_printable(note)}",
                                     encoding)
            out.write(line + "\n")
        out.flush()
    except OSError as e:
        _stdout_failed(e)


def _schema_done(change, what: str) -> None:
    click.echo(what if change else "Nothing to change.", err=True)


@labels_group.command("add")
@click.argument("name")
@click.option("--color", metavar="#RRGGBB", help="Its colour (default: the next unused of a colour-blind-safe set).")
@click.option("--key", metavar="K", help="A digit 1-9 or a letter that applies it in the window.")
@click.option("--description", default="", metavar="TEXT", help="What it is for (shown in the window).")
@click.pass_obj
def labels_add(settings: Settings, name: str, color: str | None, key: str | None, description: str) -> None:
    """Add a label NAME."""
    from annotator.core import schema

    with settings.open_existing() as project:
        change = schema.add_label(project, name, color=color, key=key, description=description)
    _schema_done(change, f"Added the label {normalize_name(name)!r}.")


@labels_group.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def labels_rename(settings: Settings, old: str, new: str) -> None:
    """Rename the label OLD to NEW; its spans keep it under the new name."""
    from annotator.core import schema

    with settings.open_existing() as project:
        change = schema.rename_label(project, old, new)
    _schema_done(change, f"Renamed {normalize_name(old)!r} to {normalize_name(new)!r}.")


@labels_group.command("set")
@click.argument("name")
@click.option("--color", metavar="#RRGGBB")
@click.option("--key", metavar="K", help="A digit 1-9 or a letter.")
@click.option("--no-keys", is_flag=True, help="Take its keys away.")
@click.option("--description", metavar="TEXT")
@click.option("--display", type=click.Choice(["highlight", "underline"]), help="How its spans are drawn.")
@click.option("--position", type=click.IntRange(min=1), metavar="N", help="Its place in the list (1: first).")
@click.pass_obj
def labels_set(settings: Settings, name: str, color: str | None, key: str | None, no_keys: bool,
               description: str | None, display: str | None, position: int | None) -> None:
    """Change a label's colour, keys, description, drawing or place."""
    from annotator.core import schema

    with settings.open_existing() as project:
        change = schema.update_label(project, name, color=color, key=key, clear_keys=no_keys,
                                     description=description, display=display)
        if position is not None:
            moved = schema.move_label(project, name, position - 1)
            change = change or moved
    _schema_done(change, f"Changed the label {normalize_name(name)!r}.")


@labels_group.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Also remove every span that has this label.")
@click.pass_obj
def labels_remove(settings: Settings, name: str, force: bool) -> None:
    """Remove the label NAME (refused while spans use it, unless --force)."""
    from annotator.core import schema

    with settings.open_existing() as project:
        change = schema.remove_label(project, name, force=force)
    n = len(change.removed)
    _schema_done(change, f"Removed the label {normalize_name(name)!r}"
                         + (f" and its {n:,} span{'s' if n != 1 else ''}." if n else "."))


# ------------------------------------------------------------- server projects

@cli.group("server")
def server_group() -> None:
    """Set up a project on a PostgreSQL server and its people (--db postgresql://...).

    \b
    Steps (see the README's "Team server"):
      createdb -O OWNER project       (the server's administrator; OWNER may create roles)
      annotator --db postgresql://OWNER@HOST/project server init
      annotator --db postgresql://OWNER@HOST/project server add-user adam --role admin --password
      annotator --db postgresql://OWNER@HOST/project server add-user alice --password
      annotator --db postgresql://adam@HOST/project import article.txt
      annotator --db postgresql://alice@HOST/project tag --label actor --text "Xi Jinping"
    """


def _server_url(settings: Settings) -> str:
    if settings.server_url is None:
        raise click.UsageError("server commands act on a project on a PostgreSQL server: give "
                               "--db postgresql://NAME@HOST/DATABASE (or set ANNOTATOR_DB)")
    return settings.server_url


_ARTICLE = {"annotator": "an annotator", "reviewer": "a reviewer", "admin": "an admin"}


@server_group.command("init")
@click.pass_obj
def server_init(settings: Settings) -> None:
    """Create (or bring up to date) the project's tables, its roles for
    annotators, reviewers and admins, and the rules the server enforces.
    Run it as the database's owner; running it again changes nothing."""
    from annotator.core.storage.postgres import admin
    from annotator.core.storage.postgres.first_labels import add_first_labels

    report = admin.init_server(_server_url(settings))
    labels = add_first_labels(_server_url(settings), report)
    if report.applied:
        click.echo(f"Set up the project in database {report.database} at {settings.db} "
                   f"({len(report.applied)} schema step{'s' if len(report.applied) != 1 else ''}).", err=True)
    else:
        click.echo(f"The project in database {report.database} at {settings.db} is up to date; "
                   "its roles and rules were checked again.", err=True)
    groups = ", ".join(f"{kind}s: {name}" for kind, name in report.groups.items())
    click.echo(f"Its groups ({groups}) {'were created' if report.created_groups else 'were already there'}. "
               + (f"It has the {labels} default labels (change them with `annotator labels`). " if labels else "")
               + "Add people with `annotator --db URL server add-user NAME --role annotator|reviewer|admin`.",
               err=True)


@server_group.command("add-user")
@click.argument("name")
@click.option("--role", type=click.Choice(("annotator", "reviewer", "admin")), default="annotator",
              show_default=True, help="What they may change: their own layer; also gold and review; "
                                       "also documents and labels.")
@click.option("--password", "ask_password", is_flag=True,
              help="Ask for their password (twice, not shown). Without it a new login has none: the "
                   "server's own authentication (pg_hba.conf) decides.")
@click.pass_obj
def server_add_user(settings: Settings, name: str, role: str, ask_password: bool) -> None:
    """Make NAME a person of the project, logging in as NAME (a new login
    role, or an existing one of the server) in the group of --role."""
    from annotator.core.storage.postgres import admin

    url = _server_url(settings)
    password = None
    if ask_password:
        password = click.prompt(f"Password for {_printable(name)}", hide_input=True, confirmation_prompt=True,
                                err=True)
    what = admin.add_user(url, name, role, password)
    who, as_role = _printable(normalize_name(name)), _ARTICLE[role]
    click.echo({"created": f"Created the login {who}, {as_role} of the project.",
                "added": f"Added the existing login {who} to the project as {as_role}.",
                "changed": f"{who} is now {as_role} of the project.",
                "unchanged": f"{who} was already {as_role} of the project; nothing changed."}[what]
               + (" Their password was set." if password is not None else ""), err=True)


@server_group.command("users")
@click.pass_obj
def server_users(settings: Settings) -> None:
    """List the project's people and their roles."""
    from annotator.core.storage.postgres import admin

    people = admin.users(_server_url(settings))
    if not people:
        click.echo(f"No one is in the project at {settings.db} yet; add people with "
                   "`annotator --db URL server add-user NAME`.", err=True)
        return
    width = max(len(person.name) for person in people)
    for person in people:
        click.echo(f"{_printable(person.name):<{width}}  {person.role}")


def main() -> None:
    from annotator.core.storage import abandoned

    abandoned_before = abandoned()
    try:
        cli(prog_name="annotator")
    except SystemExit as e:
        if abandoned() == abandoned_before:
            raise
        # A project file was replaced under a command: the interpreter's
        # clean-up would close its connection (see Project.abandon).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        os._exit(e.code if isinstance(e.code, int) else (0 if e.code is None else 1))
