#!/usr/bin/env python3
"""Splits the samples under event-bus deliveries by the consumer that did the work: for every engine frame whose
nearest engine-or-bus ancestor is an event-bus frame, its inclusive samples count for that frame.
Usage: flame-bus-consumers.py <flame.html> [top-n]; reuses the parser of flame-summary.py beside it."""
import importlib.util
import os
import sys

_spec = importlib.util.spec_from_file_location(
    "flame_summary", os.path.join(os.path.dirname(os.path.abspath(__file__)), "flame-summary.py"))
flame_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(flame_summary)


def delivered_by_bus(levels, parent, node):
    """Whether the frame's nearest ancestor that is an engine or event-bus frame is an event-bus frame."""
    up = parent.get(node)
    while up:
        name = levels[up[0]][up[1]][2]
        if name.startswith("io/supportpilot"):
            return False
        if "io/vertx/core/eventbus" in name:
            return True
        up = parent.get(up)
    return False


def main():
    html = open(sys.argv[1], encoding="utf-8").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    levels = flame_summary.frames(html)
    parent = flame_summary.parents(levels)
    total = levels[0][0][1]
    counts = {}
    for lv, frames in levels.items():
        for idx, f in enumerate(frames):
            if f[2].startswith("io/supportpilot") and delivered_by_bus(levels, parent, (lv, idx)):
                counts[f[2]] = counts.get(f[2], 0) + f[1]
    for name, samples in sorted(counts.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{100.0 * samples / total:5.1f}% {name[:120]}")


if __name__ == "__main__":
    main()
