// Browser benchmark of the release build. Prints figures and writes bench-results/browser.json;
// it never passes or fails on timings (exit code is non-zero only if it could not run).
//
//   node e2e/bench.mjs [--dist dist] [--selector '#cluster svg'] [--runs 5]
//                      [--frame-seconds 10] [--fragment '#...'] [--out bench-results/browser.json]
//
// (a) bundle size: gzip -9 size of every file in dist/ and the total (target <= 250 KB);
// (b) start-up: navigation start to the first drawn cluster (`--selector`), median of --runs
//     fresh page loads; "n/a" when the selector never appears. App mount (`header h1`) is
//     reported beside it;
// (c) frame time: requestAnimationFrame timestamps over --frame-seconds, p50/p95 of the gaps.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launchBrowser, keepOnLoopback } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const distDir = path.resolve(repo, opt('dist', 'dist'));
const selector = opt('selector', '#cluster svg');
const runs = Math.max(1, Number(opt('runs', '5')));
const frameSeconds = Number(opt('frame-seconds', '10'));
const fragment = opt('fragment', '');
const outFile = path.resolve(repo, opt('out', 'bench-results/browser.json'));
const selectorTimeoutMs = Number(opt('selector-timeout-ms', '10000'));
const BUNDLE_TARGET_BYTES = 250 * 1024;

if (!fs.existsSync(path.join(distDir, 'index.html'))) {
  console.error(`bench: ${distDir}/index.html is missing; build first: trunk build --release`);
  process.exit(2);
}

const kb = (bytes) => (bytes / 1024).toFixed(1);
const quantile = (sorted, q) => {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 1) => (x === null || x === undefined ? null : Number(x.toFixed(d)));

// (a) bundle size -----------------------------------------------------------------------------
function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full) : [full];
  });
}
const files = listFiles(distDir).sort().map((file) => {
  const raw = fs.readFileSync(file);
  return {
    file: path.relative(distDir, file),
    kind: path.extname(file).slice(1) || 'other',
    bytes: raw.length,
    gzip_bytes: zlib.gzipSync(raw, { level: 9 }).length,
  };
});
const totalGzip = files.reduce((s, f) => s + f.gzip_bytes, 0);
const totalRaw = files.reduce((s, f) => s + f.bytes, 0);
const byKind = {};
for (const f of files) byKind[f.kind] = (byKind[f.kind] || 0) + f.gzip_bytes;

console.log('\nBundle size (dist/, gzip -9)');
console.log(`  ${'file'.padEnd(48)} ${'raw KB'.padStart(9)} ${'gzip KB'.padStart(9)}`);
for (const f of files) console.log(`  ${f.file.padEnd(48)} ${kb(f.bytes).padStart(9)} ${kb(f.gzip_bytes).padStart(9)}`);
console.log(`  ${'total'.padEnd(48)} ${kb(totalRaw).padStart(9)} ${kb(totalGzip).padStart(9)}`);
console.log(`  by kind (gzip KB): ${Object.entries(byKind).map(([k, v]) => `${k} ${kb(v)}`).join(', ')}`);
console.log(`  target <= ${kb(BUNDLE_TARGET_BYTES)} KB gzip: ${totalGzip <= BUNDLE_TARGET_BYTES ? 'within' : 'OVER'} (${kb(totalGzip)} KB)`);

// (b) start-up and (c) frame time ----------------------------------------------------------------
const server = await startServer({ root: distDir });
const browser = await launchBrowser();
const url = server.url + fragment;
const blocked = [];

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await keepOnLoopback(context, blocked);
  return { context, page: await context.newPage() };
}

// Time since navigation start (performance.now() is relative to timeOrigin) at the first
// animation frame in which `sel` exists; polled once per frame, so it is "first drawn".
async function timeTo(page, sel) {
  try {
    const handle = await page.waitForFunction(
      (s) => (document.querySelector(s) ? performance.now() : false),
      sel,
      { polling: 'raf', timeout: selectorTimeoutMs },
    );
    return await handle.jsonValue();
  } catch {
    return null;
  }
}

const startup = { selector, runs: [], mount_runs: [] };
for (let i = 0; i < runs; i++) {
  const { context, page } = await freshPage();
  await page.goto(url, { waitUntil: 'commit' });
  // Mount first: if the cluster never appears we still learn how long the app took to start.
  startup.mount_runs.push(await timeTo(page, 'header h1'));
  // A selector that never appeared once will not appear later: skip its timeout on later runs.
  const missing = i > 0 && startup.runs[0] === null;
  startup.runs.push(missing ? null : await timeTo(page, selector));
  await context.close();
}
const drawn = startup.runs.filter((x) => x !== null);
const mounted = startup.mount_runs.filter((x) => x !== null);
startup.median_ms = drawn.length === runs ? round(median(drawn)) : null;
startup.min_ms = drawn.length === runs ? round(Math.min(...drawn)) : null;
startup.mount_median_ms = mounted.length ? round(median(mounted)) : null;
startup.mount_min_ms = mounted.length ? round(Math.min(...mounted)) : null;

let frames = { seconds: frameSeconds, frames: 0, p50_ms: null, p95_ms: null, max_ms: null };
{
  const { context, page } = await freshPage();
  await page.goto(url);
  await timeTo(page, 'header h1');
  const gaps = await page.evaluate((seconds) => new Promise((resolve) => {
    const stamps = [];
    const end = performance.now() + seconds * 1000;
    const tick = (t) => {
      stamps.push(t);
      if (t < end) requestAnimationFrame(tick);
      else resolve(stamps.slice(1).map((s, i) => s - stamps[i]));
    };
    requestAnimationFrame(tick);
  }), frameSeconds);
  const sorted = [...gaps].sort((a, b) => a - b);
  frames = {
    seconds: frameSeconds,
    frames: gaps.length,
    p50_ms: round(quantile(sorted, 0.5), 2),
    p95_ms: round(quantile(sorted, 0.95), 2),
    max_ms: round(sorted[sorted.length - 1] ?? null, 2),
  };
  await context.close();
}

const browserVersion = browser.version();
await browser.close();
await server.close();

const fmt = (x) => (x === null || x === undefined ? 'n/a' : `${x} ms`);
console.log('\nBrowser figures (headless Chromium, loopback)');
console.log(`  ${'start-up to first drawn cluster'.padEnd(40)} ${fmt(startup.median_ms).padStart(10)}  (median of ${runs}, selector ${selector})`);
console.log(`  ${'start-up to app mounted (header h1)'.padEnd(40)} ${fmt(startup.mount_median_ms).padStart(10)}  (median of ${runs})`);
console.log(`  ${'frame time p50'.padEnd(40)} ${fmt(frames.p50_ms).padStart(10)}  (${frames.frames} frames in ${frameSeconds} s)`);
console.log(`  ${'frame time p95'.padEnd(40)} ${fmt(frames.p95_ms).padStart(10)}`);
console.log(`  ${'frame time max'.padEnd(40)} ${fmt(frames.max_ms).padStart(10)}`);
if (blocked.length) console.log(`  note: blocked requests off loopback: ${blocked.join(', ')}`);

const result = {
  date: new Date().toISOString(),
  browser: browserVersion,
  url_fragment: fragment,
  bundle: {
    target_gzip_bytes: BUNDLE_TARGET_BYTES,
    total_bytes: totalRaw,
    total_gzip_bytes: totalGzip,
    within_target: totalGzip <= BUNDLE_TARGET_BYTES,
    gzip_bytes_by_kind: byKind,
    files,
  },
  startup,
  frames,
  blocked_requests: blocked,
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${path.relative(repo, outFile)}`);
