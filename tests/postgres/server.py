"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a
temporary folder, on a free TCP port of 127.0.0.1, its Unix socket in that
folder, stopped (and the folder removed) by `stop()`.

PostgreSQL refuses to run as root, and the test machines and CI run as
root: there the server binaries run as the unprivileged `postgres` user
(through `runuser`), with the folder handed to it. Run as anyone else,
they run as that user.

Authentication: the superuser `postgres` connects over the socket without
a password (trust: only what can reach the 0700 folder can connect);
every other connection is TCP with a SCRAM password, as on a real server,
so the tests log in as each person the way the program will.
Settings are for a test server only: no fsync, small shared memory.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "postgres"
# The unprivileged account the server runs under when we are root (the
# Debian package creates it).
SERVICE_ACCOUNT = "postgres"


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian's versioned
    folders first, then whatever `initdb` is on PATH), or None."""
    candidates = []
    for folder in glob.glob("/usr/lib/postgresql/*/bin"):
        version = Path(folder).parent.name
        if version.isdigit() and _has_server(Path(folder)):
            candidates.append((int(version), Path(folder)))
    if candidates:
        return max(candidates)[1]
    on_path = shutil.which("initdb")
    if on_path and _has_server(Path(on_path).parent):
        return Path(on_path).parent
    return None


def _has_server(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def why_unavailable() -> str | None:
    """Why no test server can be started here, or None if one can."""
    if find_bindir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) found in /usr/lib/postgresql/*/bin or on PATH"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_ACCOUNT)
        except KeyError:
            return f"running as root and there is no {SERVICE_ACCOUNT!r} user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and there is no runuser to start the server as another user"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestServer:
    """One running server. `url(...)` for the program, `admin()` for a
    superuser connection to set tests up."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        bindir = find_bindir()
        assert bindir is not None, why_unavailable()
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        self.running = False
        self._as_other_user = os.geteuid() == 0
        if self._as_other_user:
            account = pwd.getpwnam(SERVICE_ACCOUNT)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        os.chmod(self.folder, 0o700)

    # -- running the server binaries ------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_other_user:
            command = ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        # cwd: the service account cannot read the repository's folder, and
        # initdb refuses to start where it cannot tell its current directory.
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, check=False,
                                env={**os.environ, "LC_ALL": "C", "LANG": "C"}, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                               f"{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            return "\nserver log:\n" + self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def start(self) -> TestServer:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8", "--no-locale",
                  "--no-sync", "--no-instructions",
                  "--auth-local=trust", "--auth-host=scram-sha-256")
        # A free port can be taken between looking and binding: try again.
        for attempt in range(5):
            self.port = _free_port()
            self._options = options = " ".join([
                f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
                "-c shared_buffers=16MB", "-c max_connections=40",
                "-c password_encryption=scram-sha-256",
            ])
            result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                               "-o", options, "start", check=False)
            if result.returncode == 0:
                self.running = True
                atexit.register(self.stop)  # also when the session dies before its teardown
                return self
            if "could not bind" not in self._log_tail() or attempt == 4:
                raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}{self._log_tail()}")
        raise AssertionError("unreachable")

    def halt(self) -> None:
        """Stop the server as an administrator's restart does (fast
        shutdown: connections are ended, the data is kept); `resume()`
        starts it again on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
        self.running = False

    def resume(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", self._options, "start")
        self.running = True

    def stop(self) -> None:
        """Stop the server (fast shutdown: the data is thrown away) and
        remove its folder. Safe to call twice."""
        if self.running:
            self.running = False
            result = self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop",
                               check=False)
            if result.returncode != 0 and self._postmaster_pid() is not None:
                # pg_ctl could not stop it: end the postmaster itself (its
                # children follow it).
                os.kill(self._postmaster_pid(), 9)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- connecting --------------------------------------------------------

    def admin(self, dbname: str = "postgres"):
        """A superuser connection over the socket, autocommit."""
        import psycopg

        return psycopg.connect(host=str(self.folder), port=self.port, user=SUPERUSER, dbname=dbname,
                               autocommit=True)

    def url(self, user: str, password: str | None, dbname: str) -> str:
        """How the program is told where the project is: a TCP URL."""
        from urllib.parse import quote

        auth = quote(user, safe="") + (":" + quote(password, safe="") if password is not None else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"


def start_timed() -> tuple[TestServer, float]:
    started = time.perf_counter()
    server = TestServer().start()
    return server, time.perf_counter() - started
