// The figure panels: size classes, collector, lock and requests, each
// drawn from one Stats answer (protobuf's JSON mapping: lowerCamelCase
// names, 64-bit integers as strings) and, for rates, the one before it.
import { OKABE_ITO, classColour } from './palette.js';
import { bar, bytes, count, duration, esc, num, table } from './format.js';

export function renderSizeClasses(stats) {
  const a = stats.allocator || {};
  const rows = (a.sizeClasses || []).filter((c) => num(c.pools) > 0).map((c) => {
    const capacity = num(c.blocksInUse) + num(c.availableBlocks);
    return [
      { html: `<span class="swatch" style="background:${classColour(num(c.sizeClass))}"></span>${c.sizeClass}` },
      `${c.blockSize} B`, count(c.pools), count(c.blocksInUse), count(c.availableBlocks),
      capacity ? bar(num(c.blocksInUse) / capacity) : '',
    ];
  });
  document.getElementById('classes').innerHTML = rows.length
    ? table(['class', 'block', 'pools', 'blocks in use', 'free', 'use'], rows, 'id="classes-table"')
    : '<p class="summary">no pool in use</p>';
  const b = [
    ['bytes in allocated blocks', a.bytesInAllocatedBlocks],
    ['bytes in available blocks', a.bytesInAvailableBlocks],
    [`${count(a.unusedPools)} unused pools`, a.bytesInUnusedPools],
    ['bytes lost to pool headers', a.bytesLostToPoolHeaders],
    ['bytes lost to quantization', a.bytesLostToQuantization],
    ['bytes lost to arena alignment', a.bytesLostToArenaAlignment],
    ['Total', a.bytesTotal],
  ].map(([name, v]) => [name, count(v), bytes(v)]);
  document.getElementById('bytes').innerHTML = table(['', 'bytes', ''], b)
    + `<p class="summary">${count(a.arenasCurrent)} arenas now (${count(a.arenasAllocatedTotal)} allocated in all, `
    + `${count(a.arenasReclaimed)} reclaimed, high water ${count(a.arenasHighwater)})</p>`;
  const r = a.raw || {};
  document.getElementById('raw').innerHTML = table(['blocks in use', 'bytes in use', 'high water', 'allocations', 'frees'],
    [[count(r.blocksInUse), bytes(r.bytesInUse), bytes(r.bytesHighwater), count(r.allocationsTotal), count(r.freesTotal)]]);
}

export function renderCollector(stats, events) {
  const c = stats.collector || {};
  const gens = (c.generations || []).map((g) => [
    `generation ${g.generation}`, `${count(g.count)} / ${count(g.threshold)}`,
    bar(num(g.threshold) ? num(g.count) / num(g.threshold) : 0, num(g.count) >= num(g.threshold)),
    count(g.collections), count(g.collected), count(g.uncollectable)]);
  document.getElementById('generations').innerHTML = table(
    ['', 'count / threshold', '', 'collections', 'collected', 'uncollectable'], gens);
  document.getElementById('collector-extra').innerHTML = `${c.enabled ? 'enabled' : '<strong>disabled</strong>'}; `
    + `frozen (permanent generation): ${count(c.permanent)}; gc.garbage: <span id="garbage-count">${count(c.garbage)}</span>; `
    + `long-lived ${count(c.longLivedTotal)}, pending ${count(c.longLivedPending)}`;
  const newest = events.slice(-12).reverse();
  document.getElementById('timeline').innerHTML = newest.length
    ? table(['#', 'when', 'generation', 'examined', 'collected', 'uncollectable', 'pause'],
      newest.map((e) => [String(e.sequence), new Date(num(e.timestampUnixNs) / 1e6).toLocaleTimeString(),
        `${e.generation}${e.automatic ? ' (auto)' : ''}`, count(e.examined), count(e.collected),
        count(e.uncollectable), duration(e.durationNs)]), 'id="timeline-table"')
    : '<p class="summary">no collection yet</p>';
  drawPauseHistogram(events, c.pause || {});
}

function drawPauseHistogram(events, pause) {
  const canvas = document.getElementById('pause-canvas');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  // Powers-of-two buckets from 1 µs.
  const buckets = new Array(24).fill(0);
  for (const e of events) {
    const us = Math.max(1, num(e.durationNs) / 1e3);
    buckets[Math.min(23, Math.floor(Math.log2(us)))]++;
  }
  const top = Math.max(1, ...buckets);
  const w = canvas.width / buckets.length;
  ctx.font = '11px system-ui, sans-serif';
  buckets.forEach((n, i) => {
    const h = (canvas.height - 18) * (n / top);
    ctx.fillStyle = OKABE_ITO.blue;
    ctx.fillRect(i * w + 1, canvas.height - 16 - h, w - 2, h);
    if (i % 4 === 0) {
      ctx.fillStyle = '#333';
      ctx.fillText(duration(2 ** i * 1e3), i * w, canvas.height - 3);
    }
  });
  document.getElementById('pause-summary').textContent = `${count(pause.count)} collections: `
    + `p50 ${duration(pause.p50Ns)}, p90 ${duration(pause.p90Ns)}, p99 ${duration(pause.p99Ns)}, max ${duration(pause.maxNs)} `
    + '(bars: the collections this page saw, by pause)';
}

// Lock utilisation between two answers: the share of the time it was held.
export function utilisation(before, after) {
  if (!before) return 0;
  const dt = num(after.server?.uptimeNs) - num(before.server?.uptimeNs);
  const held = num(after.lock?.heldNsTotal) - num(before.lock?.heldNsTotal);
  return dt > 0 ? Math.min(1, Math.max(0, held / dt)) : 0;
}

export function renderLock(stats, series) {
  const l = stats.lock || {};
  const now = series.length ? series[series.length - 1] : 0;
  document.getElementById('lock-summary').innerHTML = `policy ${esc(l.policy)}; held `
    + `<strong id="lock-utilisation">${(now * 100).toFixed(1)}%</strong> of the time; `
    + `${count(l.waitersCurrent)} waiting now (peak ${count(l.waitersPeak)}); ${count(l.handoffs)} hand-offs, `
    + `${count(l.dropRequests)} drop requests, ${count(l.forcedSwitches)} forced switches`;
  const canvas = document.getElementById('lock-canvas');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1);
  ctx.beginPath();
  ctx.strokeStyle = OKABE_ITO.vermillion;
  ctx.lineWidth = 2;
  const points = series.slice(-200);
  points.forEach((u, i) => {
    const x = (i / Math.max(1, points.length - 1)) * (canvas.width - 2) + 1;
    const y = canvas.height - 2 - u * (canvas.height - 4);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('100% held', 4, 12);
  ctx.fillText('utilisation over the last updates', 4, canvas.height - 4);
  const h = (name, x) => [name, count(x?.count), duration(x?.p50Ns), duration(x?.p90Ns), duration(x?.p99Ns), duration(x?.maxNs)];
  document.getElementById('lock-figures').innerHTML = table(['', 'count', 'p50', 'p90', 'p99', 'max'],
    [h('wait', l.wait), h('hold', l.hold)]);
  document.getElementById('lock-kinds').innerHTML = table(['kind', 'acquisitions', 'contended', 'wait p99', 'hold p50', 'hold p99'],
    (l.byKind || []).filter((k) => num(k.acquisitions) > 0).map((k) => [k.kind, count(k.acquisitions), count(k.contended),
      duration(k.wait?.p99Ns), duration(k.hold?.p50Ns), duration(k.hold?.p99Ns)]));
  const slow = (stats.slowlog || []).slice(-8).reverse();
  document.getElementById('slowlog').innerHTML = slow.length
    ? table(['when', 'method', 'session', 'wait', 'hold', 'operations'], slow.map((s) => [
      new Date(num(s.timestampUnixNs) / 1e6).toLocaleTimeString(), s.method, (s.sessionId || '').slice(0, 8),
      duration(s.waitNs), duration(s.holdNs), count(s.operations)]))
    : '<p class="summary">no slow request</p>';
}

export function renderRequests(stats, before) {
  const s = stats.server || {};
  const dt = before ? (num(s.uptimeNs) - num(before.server?.uptimeNs)) / 1e9 : 0;
  const old = new Map((before?.server?.methods || []).map((m) => [m.method, m]));
  const rows = (s.methods || []).filter((m) => num(m.calls) > 0).map((m) => {
    const prev = old.get(m.method);
    const rate = dt > 0 && prev ? (num(m.calls) - num(prev.calls)) / dt : 0;
    const errors = (m.errors || []).map((e) => `${e.codeName || e.code} ${count(e.count)}`).join(', ');
    return [m.method, rate.toFixed(1), count(m.calls), errors || '—'];
  });
  document.getElementById('requests-summary').textContent = `${count(s.rpcsTotal)} calls, ${count(s.errorsTotal)} errors; `
    + `${count(s.sessionsOpen)} sessions open; ${count(s.connectionsOpen)} connections; heapd ${s.version || ''}, up ${duration(s.uptimeNs)}`;
  document.getElementById('requests').innerHTML = table(['method', 'calls/s', 'calls', 'errors by code'], rows, 'id="requests-table"');
}
