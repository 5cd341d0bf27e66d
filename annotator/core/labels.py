"""The label schema: defaults from resources/labels.json, and adding labels."""

from __future__ import annotations

import json
import sqlite3

from annotator.core.errors import SpanError
from annotator.core.model import Label, is_valid_color, name_problem, normalize_name
from annotator.core.paths import resources_dir

# Okabe-Ito colours not used by the defaults, then a few more that stay
# readable behind black text; cycled for labels added later.
EXTRA_COLORS = ("#F0E442", "#0072B2", "#D55E00", "#999999", "#A6D854", "#FFB3BA", "#BEBADA")


def default_labels() -> list[Label]:
    with open(resources_dir() / "labels.json", encoding="utf-8") as f:
        data = json.load(f)
    labels = [Label(name=d["name"], color=d["color"], hotkey=d.get("hotkey"),
                    mnemonic=d.get("mnemonic"), description=d.get("description", ""))
              for d in data["labels"]]
    for label in labels:
        assert name_problem(label.name) is None and is_valid_color(label.color), label
    return labels


def insert_defaults(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO labels (name, color, hotkey, mnemonic, description, position) VALUES (?, ?, ?, ?, ?, ?)",
        [(l.name, l.color, l.hotkey, l.mnemonic, l.description, i) for i, l in enumerate(default_labels())],
    )


def add_labels(conn: sqlite3.Connection, names: list[str]) -> list[Label]:
    """Add labels that do not exist yet, with the next free colour and digit.
    Call inside a write transaction."""
    existing = conn.execute("SELECT name, color, hotkey FROM labels ORDER BY position").fetchall()
    known = {row[0] for row in existing}
    used_keys = {row[2] for row in existing}
    position = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
    added = []
    for name in map(normalize_name, names):
        if name in known:
            continue
        problem = name_problem(name)
        if problem:
            raise SpanError(problem)
        color = EXTRA_COLORS[(len(known) - 4) % len(EXTRA_COLORS)] if len(known) >= 4 else EXTRA_COLORS[0]
        hotkey = next((k for k in "123456789" if k not in used_keys), None)
        used_keys.add(hotkey)
        label = Label(name=name, color=color, hotkey=hotkey)
        conn.execute(
            "INSERT INTO labels (name, color, hotkey, mnemonic, description, position) VALUES (?, ?, ?, NULL, '', ?)",
            (name, color, hotkey, position),
        )
        known.add(name)
        position += 1
        added.append(label)
    return added
