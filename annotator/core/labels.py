"""The label schema: defaults from resources/labels.json, and the colours
given to labels added later (see ops.add_labels)."""

from __future__ import annotations

import json

from annotator.core.model import Label, is_valid_color, name_problem
from annotator.core.paths import resources_dir

# Okabe-Ito colours not used by the defaults, then a few more that stay
# readable behind black text; cycled for labels added later.
EXTRA_COLORS = ("#F0E442", "#0072B2", "#D55E00", "#999999", "#A6D854", "#FFB3BA", "#BEBADA")


def default_labels() -> list[Label]:
    with open(resources_dir() / "labels.json", encoding="utf-8") as f:
        data = json.load(f)
    labels = [Label(name=d["name"], color=d["color"], hotkey=d.get("hotkey"),
                    mnemonic=d.get("mnemonic"), description=d.get("description", ""),
                    display=d.get("display", "highlight"))
              for d in data["labels"]]
    for label in labels:
        assert name_problem(label.name) is None and is_valid_color(label.color), label
    return labels
