"""Run in a fresh process by bench/process_bench.py; prints one JSON line.

    probe.py startup-bare                 import PySide6.QtWidgets, one empty window
    probe.py startup-ours [ARGS]          the real program (annotator ARGS)
    probe.py memory-bare BIG.jsonl        bare QPlainTextEdit holding the text
    probe.py memory-ours DB DOC_ID        the window with that document open

Start-up reports seconds from process spawn (see process_start) to the
end of the first paint of the window; the process then exits at once.
"""

import os
import sys
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"


def process_start() -> float:
    """When this process was spawned, on the time.time() clock: the time the
    parent wrote into BENCH_SPAWNED_AT just before spawning it (microsecond
    resolution), else when the OS recorded the start (Linux, in 10 ms clock
    ticks: too coarse to compare two starts of ~0.1-0.3 s)."""
    if os.environ.get("BENCH_SPAWNED_AT"):
        return float(os.environ["BENCH_SPAWNED_AT"])
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return time.time() - uptime + start_ticks / os.sysconf("SC_CLK_TCK")


def report(**values) -> None:
    import json

    print(json.dumps(values), flush=True)


def exit_when_painted(window_class_name: str) -> None:
    """Patch QApplication.exec: once the window of that class has finished
    its first paint, report the time and leave.

    The filter watches the window alone, not the whole application: a
    Python filter on the application runs for every event of every widget,
    which would tax a window with many widgets for the measuring itself.
    The first paint of a window paints the window, then its children, in
    one go; the single-shot timer fires after all of it."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec

    class Watcher(QObject):
        done = False

        def eventFilter(self, obj, event):
            if not self.done and event.type() == QEvent.Type.Paint:
                self.done = True
                QTimer.singleShot(0, finish)
            return False

    def finish():
        painted = time.time() - process_start()
        report(painted=painted)
        os._exit(0)

    def exec_(*args):
        app = QApplication.instance()
        app._bench_watcher = Watcher()
        windows = [w for w in app.topLevelWidgets() if type(w).__name__ == window_class_name]
        assert len(windows) == 1, windows
        windows[0].installEventFilter(app._bench_watcher)
        return original_exec()

    QApplication.exec = exec_


def startup_bare() -> None:
    import PySide6.QtWidgets as W

    app = W.QApplication(sys.argv[:1])
    exit_when_painted("QWidget")
    window = W.QWidget()
    window.resize(1340, 820)
    window.show()
    app.exec()


def startup_ours(*args: str) -> None:
    """The `annotator` command with these arguments (none: the default
    project, which holds the sample article, as a newcomer starts it)."""
    exit_when_painted("MainWindow")
    sys.argv = ["annotator", *args]
    from annotator.start import main

    main()


def maxrss_mb() -> float:
    """Peak resident memory of this process. VmHWM, not getrusage's
    ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
    exec, so a child of a large benchmark run would report the parent's peak."""
    import resource

    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_bare(path: str) -> None:
    import json

    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    app = QApplication(sys.argv[:1])
    with open(path, encoding="utf-8") as f:
        text = json.loads(f.readline())["text"]
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.resize(760, 780)
    view.setPlainText(text)
    view.show()
    app.processEvents()
    view.viewport().repaint()
    app.processEvents()
    report(maxrss_mb=maxrss_mb())


def memory_ours(db: str, doc_id: str) -> None:
    from PySide6.QtCore import QSettings

    from annotator.core.storage import Project
    from annotator.gui.app import make_app
    from annotator.gui.main_window import MainWindow

    app = make_app()
    project = Project.open(db)
    window = MainWindow(project, "bench", QSettings(db + ".ini", QSettings.Format.IniFormat))
    window.show()
    window.open_document(int(doc_id))
    window.finish_loading()  # every span read, as a moment after opening
    app.processEvents()
    window.view.viewport().repaint()
    app.processEvents()
    assert len(window.view.index) == 50_000
    report(maxrss_mb=maxrss_mb())


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    {"startup-bare": startup_bare, "startup-ours": startup_ours,
     "memory-bare": memory_bare, "memory-ours": memory_ours}[kind](*rest)
