"""The command line on a project on a PostgreSQL server (issue 16): the
`server` commands that set one up, and the everyday commands run by each
person as their own login against the session's real server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.paths import seeds_dir
from tests.cli.conftest import clean_env, run_process
from tests.core.helpers import write_jsonl

SAMPLE = min(seeds_dir().glob("*.txt"))
PEOPLE = {"alice": "annotator", "bob": "annotator", "rita": "reviewer"}


def password(name: str) -> str:
    return f"{name} secret pw"


def invoke(url: str, *args, user: str | None = None, input: str | None = None, env: dict | None = None):
    """The CLI in-process on the project at `url`; a crash fails the test."""
    prefix = ["--db", url] + (["--user", user] if user else [])
    result = CliRunner().invoke(cli, [*prefix, *map(str, args)], input=input, env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI crashed: {result.exception!r}\n{result.output}") from result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def team(database):
    """A project set up from the command line: init by the owner, then
    two annotators and a reviewer, each with a password."""
    owner = database.owner_url
    assert invoke(owner, "server", "init").exit_code == 0
    for name, role in PEOPLE.items():
        result = invoke(owner, "server", "add-user", name, "--role", role, "--password",
                        input=f"{password(name)}\n{password(name)}\n")
        assert result.exit_code == 0, result.output
    admin_name = "adam"
    assert invoke(owner, "server", "add-user", admin_name, "--role", "admin", "--password",
                  input=f"{password(admin_name)}\n" * 2).exit_code == 0
    return database


def url_of(team, name: str) -> str:
    return team.url(name, password(name))


def test_init_add_users_and_list_them(database):
    owner = database.owner_url
    first = invoke(owner, "server", "init")
    assert first.exit_code == 0, first.output
    assert "Set up the project in database" in first.stderr
    again = invoke(owner, "server", "init")
    assert again.exit_code == 0 and "up to date" in again.stderr

    added = invoke(owner, "server", "add-user", "alice", "--password", input="pw one\npw one\n")
    assert added.exit_code == 0, added.output
    assert "Created the login alice, an annotator of the project. Their password was set." in added.stderr
    moved = invoke(owner, "server", "add-user", "alice", "--role", "reviewer")
    assert "alice is now a reviewer of the project." in moved.stderr
    same = invoke(owner, "server", "add-user", "alice", "--role", "reviewer")
    assert "nothing changed" in same.stderr
    assert invoke(owner, "server", "add-user", "zed", "--role", "admin").exit_code == 0

    listed = invoke(owner, "server", "users")
    assert listed.exit_code == 0
    assert listed.stdout.split("\n") == ["alice  reviewer", "zed    admin", ""]
    # the password she was given works: she can open the project
    assert invoke(database.url("alice", "pw one"), "list").exit_code == 0


def test_passwords_are_asked_twice_and_never_printed(database):
    owner = database.owner_url
    invoke(owner, "server", "init")
    secret = "s3cret-Horse-battery"
    mismatch = invoke(owner, "server", "add-user", "alice", "--password", input=f"{secret}\nother\n{secret}\n{secret}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output  # asked again after a mismatch
    assert secret not in mismatch.output
    # a password in the URL is never shown either, not even in an error
    wrong = invoke(database.url("alice", "wrong-" + secret), "list")
    assert wrong.exit_code == 1
    assert "wrong-" + secret not in wrong.output and "***" in wrong.output
    opened = invoke(database.url("alice", secret), "list", "--where", "x")
    assert secret not in opened.output and "***" in opened.output


def test_no_password_argument_is_taken(database):
    result = invoke(database.owner_url, "server", "add-user", "alice", "--password", "pw")
    assert result.exit_code == 2  # "pw" is an extra argument, not a password
    assert "pw" not in [line.strip() for line in result.output.splitlines()]


def test_the_whole_flow(team, tmp_path):
    """init, three users (and an admin), the admin imports the sample article,
    two annotators tag it from the command line, one lists, the reviewer
    runs agreement and accepts what they agree on."""
    adam, alice, bob, rita = (url_of(team, name) for name in ("adam", "alice", "bob", "rita"))
    imported = invoke(adam, "import", SAMPLE)
    assert imported.exit_code == 0, imported.output
    assert "1 document added" in imported.stderr

    tagged = invoke(alice, "tag", "--label", "actor", "--text", "Xi Jinping")
    assert tagged.exit_code == 0, tagged.output
    assert "Tagged 1 match as actor for alice in 1 document" in tagged.stdout
    assert invoke(alice, "tag", "--label", "actor", "--text", "Kim Jong-un").exit_code == 0
    assert invoke(bob, "tag", "--label", "actor", "--text", "Xi Jinping", user="bob").exit_code == 0
    assert invoke(bob, "tag", "--label", "date", "--regex", r"July \d{1,2}, \d{4}").exit_code == 0

    listed = invoke(bob, "list")
    assert listed.exit_code == 0, listed.output
    (line,) = listed.stdout.splitlines()
    assert line.startswith("1  000_e8f4dc851b155d07") and "alice: 2, bob: 2" in line

    exported = invoke(rita, "export", "--annotator", "alice")
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["annotator"] for r in records] == ["alice"]
    assert sorted(s["text"] for s in records[0]["spans"]) == ["Kim Jong-un", "Xi Jinping"]

    agreement = invoke(rita, "agreement", "--format", "json")
    assert agreement.exit_code == 0, agreement.output
    report = json.loads(agreement.stdout)
    assert report["annotators"] == ["alice", "bob"]

    curated = invoke(rita, "curate", "--min-agree", "2")
    assert curated.exit_code == 0, curated.output
    assert "Added 1 agreed span to gold in 1 document" in curated.stderr
    gold = [json.loads(line) for line in invoke(alice, "export", "--annotator", "gold").stdout.splitlines()]
    assert [s["text"] for s in gold[0]["spans"]] == ["Xi Jinping"]


def test_an_annotator_imports_spans_but_no_new_document(team, tmp_path):
    adam, alice = url_of(team, "adam"), url_of(team, "alice")
    text = "Song Tao met Ri Ryong Nam."
    invoke(adam, "import", write_jsonl(tmp_path / "docs.jsonl", [{"text": text, "meta": {"name": "meeting"}}]))
    mine = write_jsonl(tmp_path / "mine.jsonl", [
        {"text": text, "meta": {"name": "meeting"}, "spans": [{"start": 0, "end": 8, "label": "actor"}]}])
    result = invoke(alice, "import", mine)
    assert result.exit_code == 0, result.output
    assert "1 already present; 1 span added" in result.stderr
    assert "alice: 1" in invoke(alice, "list").stdout

    new = write_jsonl(tmp_path / "new.jsonl", [
        {"text": "A new text.", "meta": {"name": "new"}, "spans": [{"start": 0, "end": 1, "label": "actor"}]}])
    refused = invoke(alice, "import", new)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output and "refused" in refused.stderr.lower()
    assert "admin" in refused.stderr  # says who may add documents
    assert [line.split("  ")[1] for line in invoke(alice, "list").stdout.splitlines()] == ["meeting"]


def test_labels_listed_by_all_added_only_by_admins(team):
    adam, alice = url_of(team, "adam"), url_of(team, "alice")
    listed = invoke(alice, "labels")
    assert listed.exit_code == 0 and listed.stdout.startswith("actor  #")
    refused = invoke(alice, "labels", "add", "place")
    assert refused.exit_code == 1
    assert "not allowed" in refused.stderr or "refused" in refused.stderr
    assert "place" not in invoke(alice, "labels").stdout
    added = invoke(adam, "labels", "add", "place", "--color", "#445566")
    assert added.exit_code == 0, added.output
    assert "place  #445566" in invoke(alice, "labels").stdout


def test_a_user_other_than_the_login_is_refused(team):
    alice = url_of(team, "alice")
    for args, env in ((["--user", "bob", "list"], None), (["tag", "--user", "bob", "--label", "actor",
                                                           "--text", "x"], None),
                      (["list"], {"ANNOTATOR_USER": "bob"})):
        result = CliRunner().invoke(cli, ["--db", alice, *args], env=env)
        assert result.exit_code == 1, (args, result.output)
        assert "you are connected to" in result.stderr and "as alice;" in result.stderr
        assert "bob would write as someone else" in result.stderr
        assert password("alice") not in result.output
    # the login's own name is fine, and is the default
    assert invoke(alice, "list", user="alice").exit_code == 0


def test_the_url_can_come_from_the_environment(team, tmp_path):
    # (postgres:// is the other spelling libpq accepts)
    url = url_of(team, "alice").replace("postgresql://", "postgres://", 1)
    result = run_process("list", cwd=tmp_path, env=clean_env(ANNOTATOR_DB=url))
    assert result.returncode == 0, result.stderr
    assert b"No documents in postgres://alice:***@" in result.stderr
    assert password("alice").encode() not in result.stderr


@pytest.mark.parametrize("given, passed", [((), None), (("--user", "alice"), "alice")])
def test_the_window_opens_on_the_server_project(team, monkeypatch, given, passed):
    """`annotator --db URL` opens the window on the URL itself (a string:
    a Path would fold its //), as the login unless --user names one."""
    opened = []
    monkeypatch.setattr("annotator.gui.launch.run_gui",
                        lambda db, user, seeds, **_: opened.append((db, user, seeds)) or 0)
    url = url_of(team, "alice")
    result = CliRunner().invoke(cli, ["--db", url, *given])
    assert result.exit_code == 0, result.output
    assert opened == [(url, passed, None)]


def test_backup_on_a_server_says_to_use_the_servers_own(team, tmp_path):
    result = invoke(url_of(team, "alice"), "backup", tmp_path / "copy.db")
    assert result.exit_code == 1
    assert "backup (use the server's own: pg_dump) is not available for server projects" in result.stderr
    assert password("alice") not in result.output
    assert not (tmp_path / "copy.db").exists()


def test_list_and_export_where_search_the_servers_text(team, tmp_path):
    admin_url = url_of(team, "adam")
    source = write_jsonl(tmp_path / "docs.jsonl", [
        {"text": "Xi Jinping met the press.", "meta": {"name": "one"}},
        {"text": "Nothing to see.", "meta": {"name": "two"}},
        {"text": "Later XI JINPING left.", "meta": {"name": "three"}}])
    assert invoke(admin_url, "import", source).exit_code == 0
    listed = invoke(url_of(team, "alice"), "list", "--where", "xi jinping")
    assert listed.exit_code == 0, listed.output
    names = [line.split()[1] for line in listed.stdout.splitlines() if line.strip()]
    assert sorted(names) == ["one", "three"]
    out = tmp_path / "found.jsonl"
    exported = invoke(url_of(team, "alice"), "export", "--where", "Jinping", "--where", "left", "-o", out)
    assert exported.exit_code == 0, exported.output
    assert [json.loads(line)["meta"]["name"] for line in out.read_text().splitlines()] == ["three"]


def test_server_commands_need_a_server_url(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "server", "users"])
    assert result.exit_code == 2
    assert "--db postgresql://" in result.stderr


def test_merge_moves_a_file_project_onto_the_server(team, tmp_path):
    """The database's owner (not bound by the layer rules) merges a file
    project with two people's layers; an annotator merging someone else's
    layer is refused by the server and nothing is changed."""
    other = tmp_path / "theirs.db"
    text = "Song Tao met Ri Ryong Nam."
    source = write_jsonl(tmp_path / "work.jsonl", [
        {"text": text, "meta": {"name": "meeting"}, "annotator": "alice",
         "spans": [{"start": 0, "end": 8, "label": "actor"}]},
        {"text": text, "meta": {"name": "meeting"}, "annotator": "bob",
         "spans": [{"start": 13, "end": 25, "label": "actor"}]}])
    assert invoke(str(other), "import", source, user="alice").exit_code == 0

    refused = invoke(url_of(team, "alice"), "merge", other)
    assert refused.exit_code == 1 and "refused" in refused.stderr
    assert "No documents" in invoke(url_of(team, "alice"), "list").stderr

    merged = invoke(team.owner_url, "merge", other)
    assert merged.exit_code == 0, merged.output
    assert "alice: 1, bob: 1" in invoke(url_of(team, "rita"), "list").stdout
    file_export = invoke(str(other), "export", user="alice").stdout
    server_export = invoke(url_of(team, "rita"), "export").stdout
    assert server_export == file_export


def test_the_owner_sets_up_but_does_not_annotate(team, tmp_path):
    """The tables' owner is not bound by the project's rules; a layer of its
    own would be an annotator nobody added. Its tag is refused whole; its
    import of documents, and merging others' layers, still work."""
    owner = team.owner_url
    assert invoke(owner, "import", SAMPLE).exit_code == 0
    tagged = invoke(owner, "tag", "--label", "actor", "--text", "Xi Jinping")
    assert tagged.exit_code == 1
    assert "owner owns the project's tables" in tagged.stderr and "nothing was changed" in tagged.stderr
    source = write_jsonl(tmp_path / "mine.jsonl", [
        {"text": SAMPLE.read_text(encoding="utf-8"), "meta": {"name": SAMPLE.stem},
         "spans": [{"start": 0, "end": 4, "label": "actor"}]}])
    assert invoke(owner, "import", source).exit_code == 1  # spans with no annotator would be owner's
    with team.admin() as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM document_status").fetchone()[0] == 0
