// The web page in Debian's Chromium, headless, driven by playwright-core,
// against a real heapd on loopback with free ports, fed by heapctl and
// heapload over real gRPC:
//
//   node tests/web/page_test.mjs BIN_DIR
//
// BIN_DIR holds heapd, heapctl and heapload (tools/test passes the
// optimized build's). Each check prints "ok - NAME" or "not ok - NAME:
// why"; the last line is "N passed, M failed", and the exit code is 0 only
// when nothing failed. Screenshots at 1280x720 go to
// $TEST_UNDECLARED_OUTPUTS_DIR, or .heapd/test_outputs/web of the checkout.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const bin = resolve(process.argv[2] || join(root, '.heapd', 'bin'));
const outputs = process.env.TEST_UNDECLARED_OUTPUTS_DIR || join(root, '.heapd', 'test_outputs', 'web');
mkdirSync(outputs, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 30000;

let passed = 0;
let failed = 0;
function check(name, ok, why = '') {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}${why ? `: ${why}` : ''}`); }
}

// Starts heapd; resolves with its gRPC and HTTP ports once it serves.
function startHeapd() {
  const heapd = spawn(join(bin, 'heapd'), ['--listen=127.0.0.1:0', '--http_listen=127.0.0.1:0',
    `--web_root=${join(root, 'web', 'dist')}`, '--stats_publish_interval_ms=20'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePorts, reject) => {
    const timer = setTimeout(() => reject(new Error('heapd did not start in time')), 60000);
    let http = 0;
    createInterface({ input: heapd.stdout }).on('line', (line) => {
      const page = /^heapd page on http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
      if (page) http = Number(page[1]);
      const grpc = /^heapd listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (grpc) { clearTimeout(timer); resolvePorts({ heapd, grpc: Number(grpc[1]), http }); }
    });
    heapd.on('exit', (code) => reject(new Error(`heapd exited with ${code}`)));
  });
}

function makeHeapctl(grpcPort) {
  return (...args) => execFileSync(join(bin, 'heapctl'), [...args, `--server=127.0.0.1:${grpcPort}`],
    { encoding: 'utf8', timeout: TIMEOUT_MS }).trim();
}

async function api(http, path) {
  const response = await fetch(`http://127.0.0.1:${http}${path}`);
  return response.json();
}

async function waitFor(what, probe, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const { heapd, grpc, http } = await startHeapd();
const heapctl = makeHeapctl(grpc);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // The scripted workload: 50,000 objects; the README's cycle, still held
  // through a (the session holds a; b only through a.ref); a second cycle
  // made and dropped, then collected.
  const session = heapctl('session', 'open', '--ttl=10m');
  heapctl('alloc', 'int', '--count=50000', `--session=${session}`);
  const handle = (type) => heapctl('alloc', type, `--session=${session}`).split(' ')[0];
  const a = handle('object');
  const b = handle('object');
  heapctl('link', a, b, '--field=ref', `--session=${session}`);
  heapctl('link', b, a, '--field=ref', `--session=${session}`);
  heapctl('decref', b, `--session=${session}`);
  const c = handle('object');
  const d = handle('object');
  heapctl('link', c, d, '--field=ref', `--session=${session}`);
  heapctl('link', d, c, '--field=ref', `--session=${session}`);
  heapctl('decref', c, `--session=${session}`);
  heapctl('decref', d, `--session=${session}`);
  const collected = heapctl('collect', `--session=${session}`);
  check('the workload collects the dropped cycle', /collected 2\b/.test(collected), collected);

  await page.goto(`http://127.0.0.1:${http}/?session=${session}`);
  await page.waitForSelector('#map-summary[data-arenas]', { timeout: TIMEOUT_MS });

  // The map against Stats: the same arenas and pools. The page's map may
  // be one publication older than Stats: wait until they agree.
  let mapped = '';
  const agree = await waitFor('the map to agree with Stats', async () => {
    const stats = await api(http, '/api/stats');
    const alloc = stats.allocator;
    const pools = alloc.sizeClasses.reduce((n, k) => n + Number(k.pools), 0) + Number(alloc.unusedPools);
    const shown = await page.$eval('#map-summary', (e) => [Number(e.dataset.arenas), Number(e.dataset.pools)]);
    mapped = `page ${shown}, Stats ${alloc.arenasCurrent},${pools}`;
    return shown[0] === Number(alloc.arenasCurrent) && shown[1] === pools && shown[0] > 0;
  }).catch(() => false);
  check('the map shows as many arenas and pools as Stats', agree, mapped);
  await page.screenshot({ path: join(outputs, 'map.png'), fullPage: false });

  const timeline = await waitFor('the collection in the timeline', async () => {
    const rows = await page.$$eval('#timeline-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    return rows.find((r) => r[2].startsWith('2') && r[4] === '2') || null;
  }).catch(() => null);
  check('the collection appears in the timeline with its collected count', timeline !== null);

  // The lock panel moves under a short heapload run.
  const acquisitions = async () => Number((await page.$eval('#lock-figures tbody tr td:nth-child(2)', (e) => e.textContent)).replace(/,/g, ''));
  const before = await acquisitions();
  const load = spawn(join(bin, 'heapload'), ['--workload=alloc-free', '--connections=8', '--duration=4s',
    `--server=127.0.0.1:${grpc}`], { stdio: 'ignore' });
  const loadEnded = new Promise((r) => load.on('exit', r));
  const moved = await waitFor('the lock panel to move', async () => (await acquisitions()) > before + 100).catch(() => false);
  check('the lock panel moves under heapload', moved, `before ${before}, after ${await acquisitions()}`);
  // The page under load, as docs/web.md shows it.
  await new Promise((r) => setTimeout(r, 1500));
  await page.screenshot({ path: join(outputs, 'under_load.png'), fullPage: false });
  await page.screenshot({ path: join(outputs, 'under_load_full.png'), fullPage: true });
  await loadEnded;

  // The object graph: the README's cycle, highlighted.
  await page.waitForSelector('#graph-summary[data-nodes]', { timeout: TIMEOUT_MS });
  const cycleNodes = await page.$eval('#graph-summary', (e) => Number(e.dataset.cycleNodes));
  check('the graph highlights the two-object cycle', cycleNodes === 2, `${cycleNodes} nodes on cycles`);
  const cycleOptions = await page.$$eval('#why-object option', (os) => os.filter((o) => o.textContent.includes('(cycle)')).map((o) => o.value));
  check('the cycle is a and b', cycleOptions.includes(a) && cycleOptions.includes(b), cycleOptions.join(','));

  // Why is b alive? The session holds a, and a.ref is b.
  await page.selectOption('#why-object', b);
  await page.click('#why-form button');
  const path = await page.$eval('#why-path', (e) => e.dataset.path);
  check('"why is this alive?" gives the session -> a -> .ref -> b path', path === `${a} ${b}`, path);
  await page.$eval('#graph-panel', (e) => e.scrollIntoView());
  await page.screenshot({ path: join(outputs, 'graph.png'), fullPage: false });

  // Keyboard: Tab from the top reaches every control.
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const reached = new Set();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName));
  }
  const controls = ['rate', 'pause', 'scrub', 'token-button', 'map-scroll', 'graph-session', 'graph-cap',
    'graph-type', 'graph-hide-leaves', 'why-object'];
  const missed = controls.filter((id) => !reached.has(id));
  check('the controls are keyboard reachable', missed.length === 0, `not reached: ${missed}`);

  // Pause freezes the page; the slider goes back in time.
  await page.click('#pause');
  const label = await page.$eval('#scrub-label', (e) => e.textContent);
  check('pause leaves live mode', label !== 'live', label);

  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
  await page.screenshot({ path: join(outputs, 'page.png'), fullPage: true });
} catch (error) {
  check('the page test ran to its end', false, error.stack);
} finally {
  await browser.close();
  heapd.kill('SIGTERM');
}
console.log(`screenshots in ${outputs}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
