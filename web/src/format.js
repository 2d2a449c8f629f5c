// Numbers as people read them, and tables as HTML.
export const num = (v) => Number(v || 0);

export function count(v) {
  return num(v).toLocaleString('en-US');
}

export function bytes(v) {
  const n = num(v);
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function duration(ns) {
  const n = num(ns);
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} s`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} µs`;
  return `${n} ns`;
}

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => escapes[c]);

// rows: arrays of cells (strings are escaped; {html} is inserted as is).
export function table(headers, rows, attrs = '') {
  const cell = (c) => (c && typeof c === 'object' && 'html' in c ? c.html : esc(c));
  return `<table ${attrs}><thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function bar(fraction, over = false) {
  const w = Math.round(Math.min(1, Math.max(0, fraction)) * 80);
  return { html: `<span class="bar${over ? ' over' : ''}" style="width:${w}px"></span>` };
}
