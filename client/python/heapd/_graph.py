"""Pictures of objects for Jupyter: DOT text of what an object reaches, and
SVG through Graphviz's `dot` when it is installed."""
from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING, Optional

from heapd._proto import heap_pb2 as pb

if TYPE_CHECKING:
    from heapd.heap import Heap

# The most objects one picture shows.
MAX_NODES = 50


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(info: pb.ObjectInfo) -> str:
    name = pb.ObjectType.Name(info.type).lower()
    return f"{name}\\n{info.handle:#x}\\nrefs {info.refcount}, {info.size} B"


def reachable_dot(heap: "Heap", root: int) -> str:
    """DOT of the objects `root` reaches (breadth first, MAX_NODES at
    most), fields and items as labelled edges, the root drawn bold."""
    lines = ["digraph heapd {", "  node [shape=box, fontname=monospace];"]
    seen = {root}
    queue = [root]
    while queue:
        handle = queue.pop(0)
        info = heap.inspect_handle(handle)
        style = ", style=bold" if handle == root else ""
        lines.append(f"  n{handle} [label={_quote(_label(info))}{style}];")
        edges = [(f.name, f.target) for f in info.fields]
        edges += [(f"[{i}]", t) for i, t in enumerate(info.items)]
        for name, target in edges:
            if target not in seen:
                if len(seen) >= MAX_NODES:
                    continue
                seen.add(target)
                queue.append(target)
            lines.append(f"  n{handle} -> n{target} [label={_quote(name)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def session_dot(heap: "Heap") -> str:
    """DOT of one node summing up the session and the heap's collector."""
    stats = heap.stats(pb.OBJECTS, pb.COLLECTOR)
    counts = ", ".join(str(g.count) for g in stats.collector.generations)
    label = (f"session {heap.session_id}\\n"
             f"{stats.objects.objects} objects on the heap\\n"
             f"gc counts ({counts})")
    return ("digraph heapd {\n  node [shape=box, fontname=monospace];\n"
            f"  session [label={_quote(label)}];\n}}\n")


def svg(dot: str) -> Optional[str]:
    """`dot -Tsvg` of the text, None when Graphviz is not installed (then
    Jupyter shows the text repr)."""
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, "-Tsvg"], input=dot, capture_output=True,
                          text=True, timeout=60)
    return done.stdout if done.returncode == 0 else None
