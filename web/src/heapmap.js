// The heap map: one row per arena at the row of its index in the
// allocator's arena table (so an arena keeps its place for its life), one
// cell per pool in address order. A pool's cell is filled from the bottom
// in its size class's colour as far as its blocks are in use; an empty
// pool is an empty outlined cell. A freed arena's row fades out over a few
// updates instead of the others moving. Past the server's pool cap
// ("aggregated") each arena is one bar filled as far as its blocks are.
import { classColour, viridisGradient } from './palette.js';
import { count, duration, esc } from './format.js';

const ROW = 16;
const LABEL = 44;
const FADE_STEPS = 6;

export class HeapMap {
  constructor(canvas, summary, legend, tooltip) {
    this.canvas = canvas;
    this.summary = summary;
    this.tooltip = tooltip;
    this.map = null;
    // Arenas seen before and gone since: index -> updates left to fade.
    this.fading = new Map();
    this.previous = new Map();
    legend.innerHTML = `<span>size class (block size):</span> <span>16 B</span>`
      + `<span class="gradient" style="background:${viridisGradient()}"></span><span>512 B</span>`
      + '<span><span class="swatch" style="background:linear-gradient(to top,#555 60%,#eee 60%)"></span>filled as far as its blocks are in use</span>'
      + '<span><span class="swatch" style="background:#fff"></span>empty pool</span>'
      + '<span><span class="swatch" style="background:#ccc;opacity:.4"></span>arena freed (fading)</span>';
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
  }

  update(map) {
    if (!map || map.pending) return;
    const now = new Map(map.arenas.map((a) => [a.index, a]));
    for (const [index, arena] of this.previous) {
      if (!now.has(index) && !this.fading.has(index)) this.fading.set(index, { arena, left: FADE_STEPS });
    }
    for (const index of now.keys()) this.fading.delete(index);
    this.previous = now;
    this.map = map;
    this.draw();
    for (const [index, f] of this.fading) {
      if (--f.left <= 0) this.fading.delete(index);
    }
    const used = Number(map.used_pool_count);
    this.summary.dataset.arenas = map.arena_count;
    this.summary.dataset.pools = map.pool_count;
    this.summary.innerHTML = `${count(map.arena_count)} arenas, ${count(map.pool_count)} pools `
      + `(${count(used)} in use, ${count(map.pool_count - used)} empty); `
      + `${esc(map.layout.preset)} layout: ${map.layout.arena_size / 1024} KiB arenas of `
      + `${map.layout.pools_per_arena} × ${map.layout.pool_size / 1024} KiB pools. `
      + `Captured in ${duration(map.capture_ns)} under the lock.`
      + (map.aggregated ? ` <strong>Over ${count(100000)} pools: shown by arena, not by pool.</strong>` : '');
  }

  geometry() {
    const map = this.map;
    const perArena = map.layout.pools_per_arena;
    const width = Math.max(600, this.canvas.parentElement.clientWidth - 4);
    const cell = map.aggregated ? 0 : Math.max(3, Math.min(16, Math.floor((width - LABEL) / perArena)));
    let rows = 0;
    for (const a of map.arenas) rows = Math.max(rows, a.index + 1);
    for (const index of this.fading.keys()) rows = Math.max(rows, index + 1);
    return { perArena, width, cell, rows };
  }

  draw() {
    const { canvas, map } = this;
    const g = this.geometry();
    canvas.width = g.width;
    canvas.height = Math.max(ROW, g.rows * ROW);
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = '12px system-ui, sans-serif';
    for (const [index, f] of this.fading) {
      ctx.globalAlpha = 0.4 * (f.left / FADE_STEPS);
      ctx.fillStyle = '#999';
      ctx.fillRect(LABEL, index * ROW + 1, (map.aggregated ? g.width - LABEL - 4 : g.cell * g.perArena), ROW - 2);
      ctx.globalAlpha = 1;
    }
    for (const arena of map.arenas) {
      const y = arena.index * ROW;
      ctx.fillStyle = '#333';
      ctx.fillText(`#${arena.index}`, 2, y + ROW - 4);
      if (map.aggregated) {
        const w = g.width - LABEL - 4;
        const fill = arena.block_capacity ? arena.blocks_in_use / arena.block_capacity : 0;
        const used = arena.pools ? arena.used_pools / arena.pools : 0;
        ctx.strokeStyle = '#333';
        ctx.strokeRect(LABEL + 0.5, y + 1.5, w, ROW - 3);
        ctx.fillStyle = classColour(12);
        ctx.fillRect(LABEL + 1, y + 2, w * used * fill, ROW - 4);
        continue;
      }
      for (let p = 0; p < arena.class.length; p++) {
        const x = LABEL + p * g.cell;
        const cls = arena.class[p];
        ctx.strokeStyle = '#888';
        ctx.strokeRect(x + 0.5, y + 1.5, g.cell - 1, ROW - 3);
        if (cls < 0) continue;
        const fill = arena.used[p] / map.blocks_per_pool[cls];
        const h = Math.max(1, Math.round((ROW - 4) * fill));
        ctx.fillStyle = '#eee';
        ctx.fillRect(x + 1, y + 2, g.cell - 2, ROW - 4);
        ctx.fillStyle = classColour(cls);
        ctx.fillRect(x + 1, y + 2 + (ROW - 4 - h), g.cell - 2, h);
      }
    }
  }

  hover(event) {
    const map = this.map;
    if (!map) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const g = this.geometry();
    const arena = map.arenas.find((a) => a.index === Math.floor(y / ROW));
    if (!arena || x < LABEL) { this.tooltip.hidden = true; return; }
    let text;
    if (map.aggregated) {
      text = `arena #${arena.index}: ${arena.used_pools} of ${arena.pools} pools in use, `
        + `${count(arena.blocks_in_use)} of ${count(arena.block_capacity)} blocks`;
    } else {
      const p = Math.floor((x - LABEL) / g.cell);
      if (p >= arena.class.length) { this.tooltip.hidden = true; return; }
      const cls = arena.class[p];
      text = cls < 0
        ? `arena #${arena.index}, pool ${p}: empty`
        : `arena #${arena.index}, pool ${p}: class ${cls} (${map.block_size[cls]}-byte blocks), `
          + `${arena.used[p]} used, ${map.blocks_per_pool[cls] - arena.used[p]} free`;
    }
    this.tooltip.textContent = text;
    this.tooltip.style.left = `${event.clientX + 12}px`;
    this.tooltip.style.top = `${event.clientY + 12}px`;
    this.tooltip.hidden = false;
  }
}
