// The Objects panel: a session's object graph laid out by dagre through
// Cytoscape. Objects the session holds are roots (thick outline), objects
// on a reference cycle are vermillion with their cycle's links, gc.garbage's
// objects (unreachable, not freed) are dashed; "why is this alive?" walks
// breadth-first from the session's references to the chosen object.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { OKABE_ITO } from './palette.js';
import { count, duration, esc } from './format.js';

cytoscape.use(dagre);

// Strongly connected components (Tarjan's, iterative): the ids of every
// node on a cycle, and the set of edges inside one.
export function findCycles(nodes, edges) {
  const out = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) if (out.has(e.from)) out.get(e.from).push(e.to);
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const component = new Map();
  let next = 0;
  let components = 0;
  for (const start of out.keys()) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next); low.set(start, next); next++;
    stack.push(start); onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const targets = out.get(v) || [];
      if (i < targets.length) {
        frame[1]++;
        const w = targets[i];
        if (!out.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++;
          stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          component.set(w, components);
        } while (w !== v);
        components++;
      }
    }
  }
  const sizes = new Map();
  for (const c of component.values()) sizes.set(c, (sizes.get(c) || 0) + 1);
  const cyclic = new Set();
  const cycleEdges = new Set();
  edges.forEach((e, i) => {
    const same = component.get(e.from) === component.get(e.to);
    if (same && (sizes.get(component.get(e.from)) > 1 || e.from === e.to)) {
      cyclic.add(e.from); cyclic.add(e.to); cycleEdges.add(i);
    }
  });
  return { cyclic, cycleEdges };
}

// The shortest chain of links from an object the session holds to
// `target`: a list of {node, label} (label: the link that reached it), or
// null when no held object reaches it.
export function whyAlive(graph, target) {
  const byFrom = new Map();
  for (const e of graph.edges) {
    if (!byFrom.has(e.from)) byFrom.set(e.from, []);
    byFrom.get(e.from).push(e);
  }
  const came = new Map();
  const queue = [];
  for (const n of graph.nodes) {
    if (n.session_references > 0) { came.set(n.id, null); queue.push(n.id); }
  }
  while (queue.length) {
    const v = queue.shift();
    if (v === target) break;
    for (const e of byFrom.get(v) || []) {
      if (!came.has(e.to)) { came.set(e.to, e); queue.push(e.to); }
    }
  }
  if (!came.has(target)) return null;
  const path = [];
  for (let v = target; v !== undefined;) {
    const e = came.get(v);
    path.unshift({ node: v, label: e ? e.label : null });
    v = e ? e.from : undefined;
  }
  return path;
}

export function nodeName(n) {
  return `${n.type}#${n.id.slice(-4)}`;
}

export class GraphView {
  constructor(container, summary, legend) {
    this.container = container;
    this.summary = summary;
    this.graph = null;
    this.cy = null;
    legend.innerHTML = `<span><span class="swatch" style="background:#fff;border:3px solid ${OKABE_ITO.black}"></span>held by the session</span>`
      + `<span><span class="swatch" style="background:${OKABE_ITO.vermillion}"></span>on a reference cycle</span>`
      + `<span><span class="swatch" style="background:${OKABE_ITO.sky}"></span>other object</span>`
      + `<span><span class="swatch" style="background:#fff;border:2px dashed ${OKABE_ITO.purple}"></span>in gc.garbage (unreachable, not freed)</span>`
      + `<span><span class="swatch" style="background:${OKABE_ITO.orange}"></span>"why is this alive?" path</span>`;
  }

  // filters: {type: '' or a type name, hideLeaves: bool}
  show(graph, filters) {
    this.graph = graph;
    const { cyclic, cycleEdges } = findCycles(graph.nodes, graph.edges);
    this.cyclic = cyclic;
    const outgoing = new Set(graph.edges.map((e) => e.from));
    // Leaves: objects that refer to nothing, unless a cycle or gc.garbage
    // makes them worth seeing.
    const keep = new Set(graph.nodes.filter((n) => (!filters.type || n.type === filters.type)
      && !(filters.hideLeaves && !outgoing.has(n.id) && !n.garbage)).map((n) => n.id));
    const elements = [];
    for (const n of graph.nodes) {
      if (!keep.has(n.id)) continue;
      const classes = [cyclic.has(n.id) ? 'cycle' : '', n.session_references > 0 ? 'root' : '', n.garbage ? 'garbage' : '']
        .filter(Boolean).join(' ');
      elements.push({ data: { id: n.id, label: `${nodeName(n)}\n${n.size} B, refs ${n.refcount}` }, classes });
    }
    graph.edges.forEach((e, i) => {
      if (keep.has(e.from) && keep.has(e.to)) {
        elements.push({ data: { id: `e${i}`, source: e.from, target: e.to, label: e.label },
          classes: cycleEdges.has(i) ? 'cycle' : '' });
      }
    });
    if (this.cy) this.cy.destroy();
    this.cy = cytoscape({
      container: this.container,
      elements,
      wheelSensitivity: 0.3,
      maxZoom: 1.5,
      style: [
        { selector: 'node', style: { 'background-color': OKABE_ITO.sky, label: 'data(label)', 'text-wrap': 'wrap',
          'font-size': 11, 'text-valign': 'center', shape: 'round-rectangle', width: 96, height: 36, 'border-width': 1, 'border-color': '#333' } },
        { selector: 'node.cycle', style: { 'background-color': OKABE_ITO.vermillion, color: '#fff' } },
        { selector: 'node.root', style: { 'border-width': 4, 'border-color': OKABE_ITO.black } },
        { selector: 'node.garbage', style: { 'border-style': 'dashed', 'border-width': 3, 'border-color': OKABE_ITO.purple } },
        { selector: 'node.path', style: { 'background-color': OKABE_ITO.orange, color: '#000' } },
        { selector: 'edge', style: { width: 1.5, 'line-color': '#666', 'target-arrow-color': '#666', 'target-arrow-shape': 'triangle',
          'curve-style': 'bezier', label: 'data(label)', 'font-size': 11, 'text-background-color': '#fff', 'text-background-opacity': 1 } },
        { selector: 'edge.cycle', style: { width: 3, 'line-color': OKABE_ITO.vermillion, 'target-arrow-color': OKABE_ITO.vermillion } },
        { selector: 'edge.path', style: { width: 4, 'line-color': OKABE_ITO.orange, 'target-arrow-color': OKABE_ITO.orange } },
      ],
      layout: { name: 'dagre', rankDir: 'LR', nodeSep: 20, rankSep: 60 },
    });
    const cycles = graph.nodes.filter((n) => cyclic.has(n.id));
    this.summary.dataset.nodes = graph.nodes.length;
    this.summary.dataset.cycleNodes = cycles.length;
    this.summary.innerHTML = `${count(graph.nodes.length)} objects, ${count(graph.edges.length)} links`
      + ` (${count(keep.size)} shown); <span class="cycle">${count(cycles.length)} on reference cycles</span>; `
      + `${count(graph.nodes.filter((n) => n.garbage).length)} in gc.garbage; walk held the lock ${duration(graph.capture_ns)}.`
      + (graph.truncated ? ` <strong>Capped at ${count(graph.max_nodes)} objects: ${count(graph.links_past_cap)} links lead to objects not shown.</strong>` : '');
    return graph.nodes;
  }

  // Highlights and describes the path that keeps `id` alive.
  explain(id) {
    if (!this.cy || !this.graph) return { text: 'show a session first', path: null };
    this.cy.elements().removeClass('path');
    const node = this.graph.nodes.find((n) => n.id === id);
    if (!node) return { text: 'no such object in the graph', path: null };
    const path = whyAlive(this.graph, id);
    if (!path) {
      return { text: node.garbage
        ? `${nodeName(node)} is in gc.garbage: nothing the session holds reaches it; the collector kept it (SAVEALL or uncollectable).`
        : `${nodeName(node)}: no object the session holds reaches it (refcount ${node.refcount} from elsewhere).`, path: null };
    }
    const byId = new Map(this.graph.nodes.map((n) => [n.id, n]));
    let text = 'session';
    path.forEach((step, i) => {
      this.cy.getElementById(step.node).addClass('path');
      text += i === 0 ? ` holds ${nodeName(byId.get(step.node))}` : ` → .${step.label} → ${nodeName(byId.get(step.node))}`;
      if (i > 0) {
        this.cy.edges().filter((e) => e.data('source') === path[i - 1].node && e.data('target') === step.node
          && e.data('label') === step.label).addClass('path');
      }
    });
    return { text: esc(text), path: path.map((s) => s.node) };
  }
}
