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


def _quote(*lines: str) -> str:
    """A DOT string of the lines, each escaped, joined by DOT's centred line
    break (a label's lines; one line for an edge's name)."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"')
               for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def _label(info: pb.ObjectInfo) -> str:
    name = pb.ObjectType.Name(info.type).lower()
    return _quote(name, f"{info.handle:#x}",
                  f"refs {info.refcount}, {info.size} B")


def _walk(heap: "Heap", roots: list[int], lines: list[str],
          bold: set[int]) -> None:
    """Appends the objects `roots` reach (breadth first, MAX_NODES at most)
    with their fields and items as labelled edges."""
    seen: set[int] = set()
    queue: list[int] = []
    for root in roots:
        if root not in seen and len(seen) < MAX_NODES:
            seen.add(root)
            queue.append(root)
    while queue:
        handle = queue.pop(0)
        info = heap.inspect_handle(handle)
        style = ", style=bold" if handle in bold else ""
        lines.append(f"  n{handle} [label={_label(info)}{style}];")
        edges = [(f.name, f.target) for f in info.fields]
        edges += [(f"[{i}]", t) for i, t in enumerate(info.items)]
        for name, target in edges:
            if target not in seen:
                if len(seen) >= MAX_NODES:
                    continue
                seen.add(target)
                queue.append(target)
            lines.append(f"  n{handle} -> n{target} [label={_quote(name)}];")


def reachable_dot(heap: "Heap", root: int) -> str:
    """DOT of the objects `root` reaches (breadth first, MAX_NODES at
    most), fields and items as labelled edges, the root drawn bold."""
    lines = ["digraph heapd {", "  node [shape=box, fontname=monospace];"]
    _walk(heap, [root], lines, bold={root})
    lines.append("}")
    return "\n".join(lines) + "\n"


def session_dot(heap: "Heap") -> str:
    """DOT of the session: a node summing up the session and the heap's
    collector, an edge to each object this client's live proxies hold (the
    session's references), drawn bold, and what those objects reach, up to
    MAX_NODES objects."""
    stats = heap.stats(pb.OBJECTS, pb.COLLECTOR)
    counts = ", ".join(str(g.count) for g in stats.collector.generations)
    held = sorted(heap._held_handles())
    label = _quote(f"session {heap.session_id}",
                   f"{len(held)} objects held by live proxies",
                   f"{stats.objects.objects} objects on the heap",
                   f"gc counts ({counts})")
    lines = ["digraph heapd {", "  node [shape=box, fontname=monospace];",
             f"  session [label={label}, shape=ellipse];"]
    shown = held[:MAX_NODES]
    for handle in shown:
        lines.append(f"  session -> n{handle} [style=dashed];")
    _walk(heap, shown, lines, bold=set(shown))
    if len(held) > len(shown):
        lines.append(f"  more [label={_quote(f'{len(held) - len(shown)} more held')}"
                     ", shape=plaintext];")
        lines.append("  session -> more [style=dotted];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot: str) -> Optional[str]:
    """`dot -Tsvg` of the text, None when Graphviz is not installed (then
    Jupyter shows the text repr)."""
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, "-Tsvg"], input=dot, capture_output=True,
                          text=True, timeout=60)
    return done.stdout if done.returncode == 0 else None
