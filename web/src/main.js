// heapd's page: polls /api/stats and /api/map at the chosen rate (1-10 Hz),
// keeps the last minutes of answers so the time slider can go back over
// them, and draws every panel from the answer shown. Pausing freezes what
// is shown; polling goes on, so the slider still reaches the newest.
import { ApiError, getJson, setToken, tokenFromFragment } from './api.js';
import { HeapMap } from './heapmap.js';
import { renderCollector, renderLock, renderRequests, renderSizeClasses, utilisation } from './panels.js';
import { GraphView, nodeName } from './graph.js';
import { esc } from './format.js';

const HISTORY_SECONDS = 300;
const $ = (id) => document.getElementById(id);

const state = {
  history: [],      // {time, stats, map, utilisation}
  events: new Map(), // collection sequence -> event
  shown: -1,         // index in history; -1: the newest
  paused: false,
  timer: null,
};

const heapMap = new HeapMap($('map-canvas'), $('map-summary'), $('map-legend'), $('map-tooltip'));
const graphView = new GraphView($('graph'), $('graph-summary'), $('graph-legend'));

function status(text) {
  $('status').textContent = text;
}

function askForToken() {
  const dialog = $('token-dialog');
  if (!dialog.open) dialog.showModal();
  $('token-input').focus();
}

async function poll() {
  try {
    const [stats, map] = await Promise.all([getJson('api/stats'), getJson('api/map')]);
    const last = state.history[state.history.length - 1];
    const entry = { time: Date.now(), stats, map: map.pending ? last?.map : map,
      utilisation: utilisation(last?.stats, stats) };
    state.history.push(entry);
    const cutoff = entry.time - HISTORY_SECONDS * 1000;
    while (state.history.length && state.history[0].time < cutoff) {
      state.history.shift();
      if (state.shown > 0) state.shown--;
    }
    for (const e of stats.collector?.recent || []) state.events.set(String(e.sequence), e);
    status(`live: snapshot ${stats.sequence}, ${new Date().toLocaleTimeString()}`);
    updateScrub();
    if (!state.paused) render(state.history.length - 1);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      status('this heapd needs a token');
      askForToken();
    } else {
      status(`cannot reach heapd: ${error.message}`);
    }
  }
}

function updateScrub() {
  const scrub = $('scrub');
  scrub.max = String(Math.max(0, state.history.length - 1));
  if (!state.paused) scrub.value = scrub.max;
}

function render(i) {
  const entry = state.history[i];
  if (!entry) return;
  state.shown = i;
  const before = state.history[i - 1];
  const ageS = Math.round((Date.now() - entry.time) / 1000);
  $('scrub-label').textContent = !state.paused ? 'live' : `paused: ${ageS} s ago`;
  heapMap.update(entry.map);
  renderSizeClasses(entry.stats);
  const until = Number(entry.stats.timestampUnixNs || 0);
  const events = [...state.events.values()]
    .filter((e) => !until || Number(e.timestampUnixNs) <= until || i === state.history.length - 1)
    .sort((a, b) => Number(a.sequence) - Number(b.sequence));
  renderCollector(entry.stats, events);
  renderLock(entry.stats, state.history.slice(0, i + 1).map((h) => h.utilisation));
  renderRequests(entry.stats, before?.stats);
}

function schedule() {
  clearInterval(state.timer);
  const hz = Number($('rate').value);
  state.timer = setInterval(poll, 1000 / hz);
}

$('rate').addEventListener('change', schedule);
$('pause').addEventListener('click', () => {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(state.paused));
  render(state.paused ? state.shown : state.history.length - 1);
});
$('scrub').addEventListener('input', () => {
  const i = Number($('scrub').value);
  if (i < state.history.length - 1 && !state.paused) $('pause').click();
  render(i);
});
$('token-button').addEventListener('click', askForToken);
$('token-dialog').addEventListener('close', () => {
  if ($('token-dialog').returnValue === 'save') {
    setToken($('token-input').value.trim());
    poll();
  }
});

let lastGraph = null;
async function showGraph() {
  const id = $('graph-session').value.trim();
  const cap = $('graph-cap').value || '500';
  try {
    lastGraph = await getJson(`api/sessions/${encodeURIComponent(id)}/graph?max_nodes=${encodeURIComponent(cap)}`);
  } catch (error) {
    $('graph-summary').textContent = `${error.code}: ${error.message}`;
    if (error.status === 401) askForToken();
    return;
  }
  // A session holding many leaves (a load test's ints) would bury its
  // structure: past 100 objects, leaves start hidden.
  if (lastGraph.nodes.length > 100) $('graph-hide-leaves').checked = true;
  const types = [...new Set(lastGraph.nodes.map((n) => n.type))].sort();
  const typeSelect = $('graph-type');
  const chosen = typeSelect.value;
  typeSelect.innerHTML = '<option value="">all</option>'
    + types.map((t) => `<option${t === chosen ? ' selected' : ''}>${esc(t)}</option>`).join('');
  drawGraph();
}

function drawGraph() {
  if (!lastGraph) return;
  const nodes = graphView.show(lastGraph, { type: $('graph-type').value, hideLeaves: $('graph-hide-leaves').checked });
  $('why-object').innerHTML = nodes.map((n) => `<option value="${esc(n.id)}">${esc(nodeName(n))}`
    + `${graphView.cyclic.has(n.id) ? ' (cycle)' : ''}${n.session_references > 0 ? ' (held)' : ''}</option>`).join('');
  graphView.cy.on('tap', 'node', (event) => {
    $('why-object').value = event.target.id();
    explain();
  });
}

function explain() {
  const result = graphView.explain($('why-object').value);
  $('why-path').innerHTML = result.text;
  $('why-path').dataset.path = result.path ? result.path.join(' ') : '';
}

$('graph-form').addEventListener('submit', (event) => { event.preventDefault(); showGraph(); });
$('graph-type').addEventListener('change', drawGraph);
$('graph-hide-leaves').addEventListener('change', drawGraph);
$('why-form').addEventListener('submit', (event) => { event.preventDefault(); explain(); });

const params = new URLSearchParams(location.search);
if (params.get('session')) {
  $('graph-session').value = params.get('session');
  showGraph();
}
tokenFromFragment();
poll();
schedule();
