"""sys._debugmallocstats()'s pymalloc report, laid out as heapctl's
`stats --section=allocator` (client/heapctl/stats_format.cc)."""
from __future__ import annotations

from heapd._proto import heap_pb2 as pb


def with_commas(value: int) -> str:
    return f"{value:,}"


def byte_size(n: int) -> str:
    """1023 B, 1.0 KiB, 256.0 KiB, 1.0 MiB, ... as client/units.h."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def line(label: str, value: int) -> str:
    return f"{label:<35}={with_commas(value):>21}\n"


def format_allocator(a: pb.AllocatorStats) -> str:
    layout = a.layout
    out = (f"Allocator: layout {layout.preset} "
           f"({byte_size(layout.arena_size)} arenas, "
           f"{byte_size(layout.pool_size)} pools), "
           f"arena release {layout.arena_release}\n")
    out += (f"Small block threshold = {layout.small_request_threshold}, "
            f"in {layout.size_classes} size classes.\n\n")
    out += ("class   size   num pools   blocks in use  avail blocks\n"
            "-----   ----   ---------   -------------  ------------\n")
    for row in a.size_classes:
        if row.pools == 0:  # As CPython: classes without a pool are left out.
            continue
        out += (f"{row.size_class:5d} {row.block_size:6d} {row.pools:11d} "
                f"{row.blocks_in_use:15d} {row.available_blocks:13d}\n")
    out += "\n"
    out += line("# arenas allocated total", a.arenas_allocated_total)
    out += line("# arenas reclaimed", a.arenas_reclaimed)
    out += line("# arenas highwater mark", a.arenas_highwater)
    out += line("# arenas allocated current", a.arenas_current)
    out += line(f"{a.arenas_current} arenas * {layout.arena_size} bytes/arena",
                a.arena_bytes)
    out += "\n"
    out += line("# bytes in allocated blocks", a.bytes_in_allocated_blocks)
    out += line("# bytes in available blocks", a.bytes_in_available_blocks)
    out += line(f"{a.unused_pools} unused pools * {layout.pool_size} bytes",
                a.bytes_in_unused_pools)
    out += line("# bytes lost to pool headers", a.bytes_lost_to_pool_headers)
    out += line("# bytes lost to quantization", a.bytes_lost_to_quantization)
    out += line("# bytes lost to arena alignment",
                a.bytes_lost_to_arena_alignment)
    out += line("Total", a.bytes_total)
    out += "\n"
    out += line("# arena map nodes", a.arena_map_nodes)
    out += line("# bytes in arena map", a.arena_map_bytes)
    out += line("# small allocations total", a.small_allocations_total)
    out += line("# small frees total", a.small_frees_total)
    out += "\n"
    out += (f"Raw domain (requests over {layout.small_request_threshold} "
            "bytes or of 0)\n")
    out += line("# raw blocks in use", a.raw.blocks_in_use)
    out += line("# raw bytes in use", a.raw.bytes_in_use)
    out += line("# raw bytes highwater mark", a.raw.bytes_highwater)
    out += line("# raw allocations total", a.raw.allocations_total)
    out += line("# raw frees total", a.raw.frees_total)
    out += "\n"
    out += line("# heap bytes (arenas + raw)", a.heap_bytes)
    if a.max_heap_bytes > 0:
        out += line("# heap bytes limit", a.max_heap_bytes)
        out += line("# requests the limit refused", a.heap_limit_refusals)
    else:
        out += "# heap bytes limit                 =                 none\n"
    return out
