// Browser benchmark of the release build beside RaftScope, in one run. Prints figures and
// writes bench-results/browser.json; it never passes or fails on timings (the exit code is
// non-zero only if it could not run).
//
//   node e2e/bench.mjs [--dist dist] [--raftscope ../shared/peers/raftscope] [--runs 3]
//                      [--frame-seconds 10] [--trace-seconds 5] [--startup-runs 3]
//                      [--only frames|startup] [--seek] [--out bench-results/browser.json]
//
// Both sites are served as static files on loopback, and every figure is measured for the lab
// and for RaftScope in the same run, alternating scene by scene, --runs times each: absolute
// times on a shared 2-core machine move with its load, the ratio measured in one run does not.
//
// (a) Animating, per scene, in a fresh page: the lab at 1x from a scenario link with
//     `&autoplay` (5 replicas, async, a write every 20 ms; 9 replicas with 3 clients; the
//     `?embed` page of the 5-replica link), and RaftScope's default page (5 servers, playing).
//     - frames: requestAnimationFrame timestamps over --frame-seconds; the count, and the
//       gaps' p50/p95/p99/max, and how many gaps were over 20 ms (a dropped frame);
//     - main thread: a Chromium trace (CDP Tracing, devtools.timeline categories) over the
//       next --trace-seconds: the share of wall time the renderer's main thread spent in
//       tasks, and each second of it split into script / style / layout / paint / other,
//       from the events' self times.
// (b) Start-up on a phone on a slow network: Network.emulateNetworkConditions (1.6 Mbps
//     down, 750 kbps up, 150 ms round trip) and Emulation.setCPUThrottlingRate 4, an empty
//     cache. Navigation start to the first drawn cluster *of the linked scenario* (the replica
//     boxes with the link's title), for the embed and the full lab; RaftScope's first drawn
//     servers. Then time to interactive: the lab's Play is pressed at once, and the time is
//     that of the first frame whose drawing differs from the first one (motion); RaftScope
//     plays by itself, so its first frame that differs.
// (c) Bytes: gzip -9 of every response the page loaded (so the embed counts only what it loads).
// (d) With --seek, the old seek benchmark (window.wasmBindings.bench_seek, src/bench.rs).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launchBrowser, keepOnLoopback } from './browser.mjs';
import { scenarioFragment, sandboxScenario, cliOption } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = cliOption;
const distDir = path.resolve(repo, opt('dist', 'dist'));
const raftDir = path.resolve(repo, opt('raftscope', '../shared/peers/raftscope'));
const runs = Math.max(1, Number(opt('runs', '3')));
const startupRuns = Math.max(1, Number(opt('startup-runs', String(runs))));
const frameSeconds = Number(opt('frame-seconds', '10'));
const traceSeconds = Number(opt('trace-seconds', '5'));
const only = opt('only', '');
const outFile = path.resolve(repo, opt('out', 'bench-results/browser.json'));
const withSeek = args.includes('--seek');
// --before DIR: another build (the previous commit's dist/) measured in the same alternation,
// for a before/after table of the animating scenes.
const beforeDir = opt('before', '') ? path.resolve(repo, opt('before', '')) : null;
const TIMEOUT_MS = 60_000;
const DROPPED_MS = 20; // a gap over 20 ms at 60 Hz is a frame not drawn

for (const [dir, what] of [[distDir, 'the lab (build first: trunk build --release)'], [raftDir, 'RaftScope']]) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    console.error(`bench: ${dir}/index.html is missing: ${what}`);
    process.exit(2);
  }
}

const quantile = (sorted, q) => {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
};
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(d)));

// Scenes ---------------------------------------------------------------------------------------
const five = sandboxScenario({
  title: 'Benchmark: 5 replicas, a write every 20 ms',
  cluster: { nodes: 5 },
  workload: { write_every_ms: 20 },
});
const nine = sandboxScenario({
  title: 'Benchmark: 9 replicas, 3 clients',
  cluster: { nodes: 9, clients: 3 },
  workload: { write_every_ms: 20 },
});
const linkOf = (s) => scenarioFragment(s);

const labServer = await startServer({ root: distDir, prefix: '/lab/' });
const raftServer = await startServer({ root: raftDir, prefix: '/raftscope/' });
const beforeServer = beforeDir ? await startServer({ root: beforeDir, prefix: '/before/' }) : null;
const browser = await launchBrowser();
const blocked = [];

const LAB_DRAWN = (title, nodes) => ({ kind: 'lab', title, nodes });
const scenes = [
  { id: 'lab5', label: 'lab, 5 replicas', url: `${labServer.url}#${linkOf(five)}&autoplay`, drawn: LAB_DRAWN(five.title, 5) },
  { id: 'lab9', label: 'lab, 9 replicas, 3 clients', url: `${labServer.url}#${linkOf(nine)}&autoplay`, drawn: LAB_DRAWN(nine.title, 9) },
  { id: 'embed5', label: 'lab embed, 5 replicas', url: `${labServer.url}?embed#${linkOf(five)}&autoplay`, drawn: LAB_DRAWN(five.title, 5) },
  { id: 'raft', label: 'RaftScope, 5 servers', url: raftServer.url, drawn: { kind: 'raft' } },
];
if (beforeServer) {
  for (const s of scenes.filter((x) => x.id.startsWith('lab') || x.id.startsWith('embed'))) {
    scenes.push({ ...s, id: `${s.id}-before`, label: `${s.label} (before)`, url: s.url.replace(labServer.url, beforeServer.url) });
  }
}

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await keepOnLoopback(context, blocked);
  const page = await context.newPage();
  const responses = [];
  page.on('response', (r) => responses.push(r.url()));
  return { context, page, responses };
}

// In the page: true once the cluster of the scene is drawn (the linked scenario's, for the lab).
function drawnPredicate(d) {
  /* eslint-disable no-undef */
  if (d.kind === 'raft') return document.querySelectorAll('#servers .server').length >= 5;
  const title = document.querySelector('#cluster .cluster-head h2, #cluster .embed-title')?.textContent;
  return title === d.title && document.querySelectorAll('#cluster svg .replica').length === d.nodes;
}

/** performance.now() (ms since navigation start) at the first frame in which the scene is drawn. */
async function timeToDrawn(page, drawn) {
  const handle = await page.waitForFunction(
    ([src, d]) => {
      // eslint-disable-next-line no-new-func
      const f = new Function('d', `return (${src})(d)`);
      return f(d) ? performance.now() : false;
    },
    [drawnPredicate.toString(), drawn],
    { polling: 'raf', timeout: TIMEOUT_MS },
  );
  return handle.jsonValue();
}

// (a) Frames and the main thread -------------------------------------------------------------
async function measureFrames(page, seconds) {
  const gaps = await page.evaluate((secs) => new Promise((resolve) => {
    const stamps = [];
    const end = performance.now() + secs * 1000;
    const tick = (t) => {
      stamps.push(t);
      if (t < end) requestAnimationFrame(tick);
      else resolve(stamps.slice(1).map((x, i) => x - stamps[i]));
    };
    requestAnimationFrame(tick);
  }), seconds);
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    frames: gaps.length,
    p50_ms: round(quantile(sorted, 0.5), 2),
    p95_ms: round(quantile(sorted, 0.95), 2),
    p99_ms: round(quantile(sorted, 0.99), 2),
    max_ms: round(sorted[sorted.length - 1] ?? null, 2),
    dropped: gaps.filter((g) => g > DROPPED_MS).length,
  };
}

const TRACE_CATEGORIES = [
  '-*',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'toplevel',
  'v8.execute',
  'blink.user_timing',
];
// DevTools' grouping of timeline events (its "Summary" categories), by event name.
const GROUPS = {
  script: ['FunctionCall', 'EvaluateScript', 'v8.compile', 'v8.compileModule', 'v8.evaluateModule', 'TimerFire', 'FireAnimationFrame',
    'EventDispatch', 'RunMicrotasks', 'v8.run', 'v8.execute', 'MajorGC', 'MinorGC', 'V8.GCScavenger', 'V8.GCCompactor', 'BlinkGC.AtomicPhase',
    'CppGC.AtomicPhase', 'GCEvent', 'ThreadState::performIdleLazySweep', 'V8.GC_SCAVENGER', 'XHRReadyStateChange', 'XHRLoad',
    'v8.produceCache', 'v8.deserializeOnBackground', 'WebAssembly.Compile', 'FireIdleCallback', 'ResourceReceivedData'],
  style: ['UpdateLayoutTree', 'RecalculateStyles', 'ScheduleStyleRecalculation', 'ParseAuthorStyleSheet', 'InvalidateLayout'],
  layout: ['Layout', 'UpdateLayerTree', 'HitTest', 'PrePaint', 'Layerize', 'IntersectionObserverController::computeIntersections',
    'ComputeIntersections', 'LayoutShift', 'ScrollLayer'],
  paint: ['Paint', 'PaintImage', 'PaintSetup', 'CompositeLayers', 'Commit', 'UpdateLayer', 'Decode Image', 'Draw LazyPixelRef',
    'RasterTask', 'GPUTask', 'ImageDecodeTask', 'Animation'],
};
const GROUP_OF = new Map(Object.entries(GROUPS).flatMap(([g, names]) => names.map((n) => [n, g])));
const TOP_LEVEL = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadPool_RunTask']);

/**
 * From a trace: the renderer main thread's busy share over the window, and per second of wall
 * time, the ms spent in each group (self times of nested events; a task's own remainder is "other").
 */
function analyseTrace(events, windowMs) {
  const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let best = null;
  for (const t of threads) {
    const mine = events.filter((e) => e.pid === t.pid && e.tid === t.tid && e.ph === 'X' && typeof e.dur === 'number');
    if (!best || mine.length > best.mine.length) best = { mine };
  }
  if (!best) return null;
  const ev = best.mine.filter((e) => e.dur > 0).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const start = Math.min(...ev.map((e) => e.ts));
  let cpu = 0; // the same tasks' thread (CPU) time: what other processes' load inflates less
  let busy = 0; // the outermost tasks only: task events nest (RunTask inside ThreadControllerImpl::RunTask)
  const groups = { script: 0, style: 0, layout: 0, paint: 0, other: 0 };
  // Self time: walk the nesting with a stack; each event's time minus its children's.
  const stack = [];
  const close = (until) => {
    while (stack.length && stack[stack.length - 1].end <= until) {
      const top = stack.pop();
      const g = GROUP_OF.get(top.e.name) ?? (stack.length ? stack[stack.length - 1].group : 'other');
      groups[g] += Math.max(0, top.e.dur - top.children);
    }
  };
  for (const e of ev) {
    close(e.ts);
    const parent = stack[stack.length - 1];
    if (!parent && !TOP_LEVEL.has(e.name)) continue; // outside any task: not main-thread work
    if (parent) parent.children += e.dur;
    else {
      busy += e.dur;
      cpu += e.tdur ?? e.dur;
    }
    const group = GROUP_OF.get(e.name) ?? (parent ? parent.group : 'other');
    stack.push({ e, end: e.ts + e.dur, children: 0, group });
  }
  close(Infinity);
  const perSecond = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, round(v / 1000 / (windowMs / 1000), 0)]));
  // Rasterising (tiles of the page turned into pixels) runs off the main thread, in whichever
  // process does it, but on a 2-core machine it takes the same cores: its CPU time, all
  // processes' RasterTask events, per second of the window.
  const raster = events.filter((e) => e.ph === 'X' && e.name === 'RasterTask').reduce((sum, e) => sum + (e.tdur ?? e.dur ?? 0), 0);
  return {
    busy_share: round(busy / 1000 / windowMs, 3),
    cpu_share: round(cpu / 1000 / windowMs, 3),
    per_second_ms: perSecond,
    raster_cpu_ms_per_s: round(raster / windowMs, 0),
    first_event_us: start,
  };
}

async function traceMainThread(page, seconds) {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  const t0 = Date.now();
  await page.waitForTimeout(seconds * 1000);
  const windowMs = Date.now() - t0;
  const buffer = await browser.stopTracing();
  const parsed = JSON.parse(buffer.toString());
  return analyseTrace(parsed.traceEvents || parsed, windowMs);
}

async function animate(scene) {
  const { context, page } = await freshPage();
  try {
    await page.goto(scene.url);
    await timeToDrawn(page, scene.drawn);
    if (scene.drawn.kind === 'lab') {
      await page.waitForFunction(() => /Pause/.test(document.getElementById('play')?.textContent || ''), null, { timeout: TIMEOUT_MS });
    }
    await page.waitForTimeout(500); // past the first frames' one-off work
    const frames = await measureFrames(page, frameSeconds);
    const main = await traceMainThread(page, traceSeconds);
    return { ...frames, ...(main || {}), error: null };
  } catch (err) {
    return { error: String(err.message || err).split('\n')[0] };
  } finally {
    await context.close();
  }
}

// (b) Start-up on the phone profile ----------------------------------------------------------
const PHONE = { latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8), offline: false };

async function startup(scene) {
  const { context, page, responses } = await freshPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', PHONE);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(scene.url, { waitUntil: 'commit', timeout: TIMEOUT_MS });
    const drawn = await timeToDrawn(page, scene.drawn);
    // Motion: the first frame whose drawing differs from the first drawn one. The lab's Play
    // is pressed from inside the page as soon as it is drawn (a reader's click, without the
    // driver's round trips).
    const interactive = await page.evaluate(([kind]) => new Promise((resolve, reject) => {
      const svg = () => (kind === 'raft' ? document.querySelector('svg') : document.querySelector('#cluster svg'));
      const first = svg()?.innerHTML;
      if (kind === 'lab') {
        const play = document.getElementById('play');
        if (!play) return reject(new Error('no Play button'));
        if (!/Pause/.test(play.textContent || '')) play.click();
      }
      const give_up = performance.now() + 30_000;
      const tick = (t) => {
        if (svg()?.innerHTML !== first) return resolve(t);
        if (t > give_up) return reject(new Error('no motion within 30 s'));
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }), [scene.drawn.kind]);
    return { drawn_ms: round(drawn, 0), interactive_ms: round(interactive, 0), responses: [...new Set(responses)], error: null };
  } catch (err) {
    return { error: String(err.message || err).split('\n')[0], responses: [...new Set(responses)] };
  } finally {
    await context.close();
  }
}

// (c) Bytes of what a page loaded ---------------------------------------------------------------
function gzipOfResponses(urls) {
  let gzip = 0;
  let raw = 0;
  const files = [];
  for (const u of urls) {
    const url = new URL(u);
    const [root, prefix] = url.pathname.startsWith('/lab/') ? [distDir, '/lab/'] : url.pathname.startsWith('/raftscope/') ? [raftDir, '/raftscope/'] : [null, null];
    if (!root) continue;
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) continue;
    const body = fs.readFileSync(file);
    const g = zlib.gzipSync(body, { level: 9 }).length;
    files.push({ file: rel, bytes: body.length, gzip_bytes: g });
    gzip += g;
    raw += body.length;
  }
  return { gzip_bytes: gzip, bytes: raw, files };
}

// The run ---------------------------------------------------------------------------------------
const animating = Object.fromEntries(scenes.map((s) => [s.id, []]));
const startupScenes = [
  { id: 'embed', label: 'embed', url: `${labServer.url}?embed#${linkOf(five)}`, drawn: LAB_DRAWN(five.title, 5) },
  { id: 'full', label: 'full lab', url: `${labServer.url}#${linkOf(five)}`, drawn: LAB_DRAWN(five.title, 5) },
  { id: 'raft', label: 'RaftScope', url: raftServer.url, drawn: { kind: 'raft' } },
];
const starting = Object.fromEntries(startupScenes.map((s) => [s.id, []]));
const loaded = {};

if (only !== 'startup') {
  for (let r = 0; r < runs; r++) {
    for (const scene of scenes) {
      const res = await animate(scene);
      animating[scene.id].push(res);
      const say = res.error ? res.error : `${res.frames} frames, p95 ${res.p95_ms} ms, max ${res.max_ms} ms, busy ${res.busy_share}`;
      console.error(`bench: run ${r + 1}/${runs} ${scene.label}: ${say}`);
    }
  }
}
if (only !== 'frames') {
  for (let r = 0; r < startupRuns; r++) {
    for (const scene of startupScenes) {
      const res = await startup(scene);
      starting[scene.id].push(res);
      if (!loaded[scene.id] && res.responses?.length) loaded[scene.id] = gzipOfResponses(res.responses);
      console.error(`bench: start-up ${r + 1}/${startupRuns} ${scene.label}: ${res.error || `drawn ${res.drawn_ms} ms, moving ${res.interactive_ms} ms`}`);
    }
  }
}

// (d) seek, as before, on request ------------------------------------------------------------
let seek = null;
if (withSeek) {
  const { context, page } = await freshPage();
  try {
    await page.goto(labServer.url);
    await page.waitForFunction(() => typeof window.wasmBindings?.bench_seek === 'function', null, { timeout: TIMEOUT_MS });
    const scenario = {
      version: 1, title: 'Seek benchmark', seed: 42, cluster: { nodes: 5, mode: 'async', clients: 2 },
      workload: { write_every_ms: 5 }, duration_ms: 300000,
      events: Array.from({ length: 49 }, (_, i) => [{ at_ms: 3000 + i * 6000, action: 'crash', node: `n${(i % 4) + 2}` },
        { at_ms: 5500 + i * 6000, action: 'restart', node: `n${(i % 4) + 2}` }]).flat(),
    };
    seek = JSON.parse(await page.evaluate(([json]) => window.wasmBindings.bench_seek(json, 1000), [JSON.stringify(scenario)]));
  } catch (err) {
    seek = { error: String(err.message || err).split('\n')[0] };
  }
  await context.close();
}

const browserVersion = browser.version();
await browser.close();
await labServer.close();
await raftServer.close();
if (beforeServer) await beforeServer.close();

// The table -------------------------------------------------------------------------------------
const ok = (xs) => xs.filter((x) => !x.error);
const range = (xs, key, d = 1) => {
  const v = ok(xs).map((x) => x[key]).filter((x) => x !== null && x !== undefined);
  if (!v.length) return 'n/a';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? `${round(lo, d)}` : `${round(lo, d)}–${round(hi, d)}`;
};
const med = (xs, key) => median(ok(xs).map((x) => x[key]));
const ratio = (a, b, d = 2) => (a === null || b === null || !b ? 'n/a' : `${round(a / b, d)}`);
const split = (xs) => {
  const g = ['script', 'style', 'layout', 'paint', 'other'];
  const v = ok(xs).filter((x) => x.per_second_ms);
  if (!v.length) return 'n/a';
  return g.map((k) => median(v.map((x) => x.per_second_ms[k]))).join(' / ');
};

const rows = [];
const row = (figure, lab, raft, r) => rows.push([figure, lab, raft, r]);
const R = animating.raft;
if (only !== 'startup') {
  for (const id of ['lab5', 'lab9', 'embed5']) {
    const L = animating[id];
    const name = scenes.find((s) => s.id === id).label;
    row(`Main-thread busy share while animating: ${name}`, range(L, 'busy_share', 3), range(R, 'busy_share', 3), ratio(med(L, 'busy_share'), med(R, 'busy_share')));
    row(`  same, in thread (CPU) time`, range(L, 'cpu_share', 3), range(R, 'cpu_share', 3), ratio(med(L, 'cpu_share'), med(R, 'cpu_share')));
    row(`  ms per second: script / style / layout / paint / other`, split(L), split(R), '');
    row(`  raster, off the main thread: CPU ms per second`, range(L, 'raster_cpu_ms_per_s', 0), range(R, 'raster_cpu_ms_per_s', 0), ratio(med(L, 'raster_cpu_ms_per_s'), med(R, 'raster_cpu_ms_per_s')));
    row(`  frames in ${frameSeconds} s`, range(L, 'frames', 0), range(R, 'frames', 0), ratio(med(L, 'frames'), med(R, 'frames')));
    row(`  frame gap p50 / p95 / p99 / max, ms (medians)`, ['p50_ms', 'p95_ms', 'p99_ms', 'max_ms'].map((k) => round(med(L, k), 1)).join(' / '),
      ['p50_ms', 'p95_ms', 'p99_ms', 'max_ms'].map((k) => round(med(R, k), 1)).join(' / '), ratio(med(L, 'p95_ms'), med(R, 'p95_ms')));
    row(`  gaps over ${DROPPED_MS} ms (dropped frames), per run`, ok(L).map((x) => x.dropped).join(', ') || 'n/a', ok(R).map((x) => x.dropped).join(', ') || 'n/a', '');
  }
}
if (only !== 'frames') {
  const S = starting;
  for (const id of ['embed', 'full']) {
    row(`Start-up, phone profile, to the linked scenario's first drawn cluster: ${id}`, `${range(S[id], 'drawn_ms', 0)} ms`, `${range(S.raft, 'drawn_ms', 0)} ms`, ratio(med(S[id], 'drawn_ms'), med(S.raft, 'drawn_ms')));
    row(`  time to interactive (first frame moving after Play): ${id}`, `${range(S[id], 'interactive_ms', 0)} ms`, `${range(S.raft, 'interactive_ms', 0)} ms`, ratio(med(S[id], 'interactive_ms'), med(S.raft, 'interactive_ms')));
  }
  for (const id of ['full', 'embed']) {
    const b = loaded[id];
    const rb = loaded.raft;
    row(`Bytes loaded, gzip -9: ${id}`, b ? `${round(b.gzip_bytes / 1000, 1)} KB` : 'n/a', rb ? `${round(rb.gzip_bytes / 1000, 1)} KB` : 'n/a', b && rb ? ratio(b.gzip_bytes, rb.gzip_bytes) : 'n/a');
  }
}

// Everything in dist/ (both builds, the course demo): what a site serves, not what one page loads;
// e2e/bytes.mjs gives each page its own figure.
function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const distGzip = listFiles(distDir).reduce((s, f) => s + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
row('Everything in dist/ (both builds), gzip -9', `${round(distGzip / 1000, 1)} KB`, '', '');

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => String(r[i]).length), ['Figure', 'Lab', 'RaftScope', 'Ratio'][i].length));
console.log(`\nLab beside RaftScope, ${browserVersion}, 1280×800, ${runs} runs each alternating (start-up: ${startupRuns}); ranges are min–max over runs, ratios of medians`);
console.log(`| ${['Figure', 'Lab', 'RaftScope', 'Ratio'].map((h, i) => h.padEnd(widths[i])).join(' | ')} |`);
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(`| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
if (beforeServer && only !== 'startup') {
  console.log(`\nBefore (${beforeDir}) and after, same alternation: medians`);
  console.log('| Scene | busy before | busy after | CPU before | CPU after | script/style/layout/paint/other before | after | frames before | after | p95 before | after | dropped before | after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const id of ['lab5', 'lab9', 'embed5']) {
    const A = animating[`${id}-before`];
    const B = animating[id];
    const drops = (xs) => ok(xs).map((x) => x.dropped).join(', ');
    console.log(`| ${scenes.find((x) => x.id === id).label} | ${round(med(A, 'busy_share'), 3)} | ${round(med(B, 'busy_share'), 3)} | ${round(med(A, 'cpu_share'), 3)} | ${round(med(B, 'cpu_share'), 3)} | ${split(A)} | ${split(B)} | ${med(A, 'frames')} | ${med(B, 'frames')} | ${med(A, 'p95_ms')} | ${med(B, 'p95_ms')} | ${drops(A)} | ${drops(B)} |`);
  }
}
if (seek) console.log(`\nSeek (bench_seek): ${JSON.stringify(seek)}`);
if (blocked.length) console.log(`note: blocked requests off loopback: ${[...new Set(blocked)].join(', ')}`);

const result = {
  date: new Date().toISOString(),
  browser: browserVersion,
  runs,
  frame_seconds: frameSeconds,
  trace_seconds: traceSeconds,
  animating,
  startup: Object.fromEntries(Object.entries(starting).map(([k, v]) => [k, v.map(({ responses, ...x }) => x)])),
  bytes_loaded: loaded,
  dist_gzip_bytes: distGzip,
  table: rows,
  seek,
  blocked_requests: blocked,
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${path.relative(repo, outFile)}`);
