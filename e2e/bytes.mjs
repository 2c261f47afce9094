// Bytes each kind of page loads, gzip -9 of every response, from the release build (dist/) in
// headless Chromium. Prints a table; exits 1 when the embed is over its budget, which the embed
// is held to (scripts/test.sh runs this after the end-to-end tests). The full lab's 300 KB
// ceiling is printed beside it, not enforced: the README says by how much it is missed.
//   node e2e/bytes.mjs [--dist dist] [--json FILE]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer } from './server.mjs';
import { launchBrowser, keepOnLoopback } from './browser.mjs';
import { cliOption } from './helpers.mjs';

/** What a course page's embed may load, gzip -9 (the README's bundle section). */
export const EMBED_BUDGET_BYTES = 300 * 1000;
/** The full lab's ceiling (issue: performance beside RaftScope). */
export const FULL_CEILING_BYTES = 300 * 1000;

const dist = path.resolve(cliOption('dist', 'dist'));
const jsonOut = cliOption('json', '');
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error(`bytes: ${dist}/index.html not found: run \`trunk build --release\` first`);
  process.exit(1);
}

const server = await startServer({ root: dist, prefix: '/lab/' });
const browser = await launchBrowser();
const pages = [
  { id: 'full lab', url: 'lab/#preset=async-failover', ready: '#cluster svg .replica', limit: FULL_CEILING_BYTES, enforced: false },
  { id: 'embed', url: 'lab/?embed#preset=async-failover', ready: '#cluster svg .replica', limit: EMBED_BUDGET_BYTES, enforced: true },
  { id: 'embed with the message API', url: 'lab/?embed&api#lesson=async-failover', ready: '#cluster svg .replica', limit: EMBED_BUDGET_BYTES, enforced: true },
];
const results = [];
try {
  for (const p of pages) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await keepOnLoopback(context, []);
    const page = await context.newPage();
    const seen = new Set();
    page.on('response', (r) => seen.add(r.url()));
    await page.goto(`${server.origin}/${p.url}`);
    await page.waitForSelector(p.ready, { timeout: 30000 });
    // Whatever the page fetches right after it is drawn (nothing, today) counts too.
    await page.waitForTimeout(500);
    await context.close();
    const files = [];
    for (const u of seen) {
      const { pathname } = new URL(u);
      if (!pathname.startsWith('/lab/')) continue;
      let rel = decodeURIComponent(pathname.slice('/lab/'.length));
      if (rel === '' || rel.endsWith('/')) rel += 'index.html';
      const file = path.join(dist, rel);
      if (!fs.existsSync(file)) continue;
      const body = fs.readFileSync(file);
      files.push({ file: rel, bytes: body.length, gzip_bytes: zlib.gzipSync(body, { level: 9 }).length });
    }
    const gzip = files.reduce((s, f) => s + f.gzip_bytes, 0);
    results.push({ ...p, gzip_bytes: gzip, files });
  }
} finally {
  await browser.close();
  await server.close();
}

const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
console.log('\n| Page | Loaded, gzip -9 | Limit | |');
console.log('|---|---|---|---|');
for (const r of results) {
  const within = r.gzip_bytes <= r.limit;
  console.log(`| ${r.id} | ${kb(r.gzip_bytes)} | ${kb(r.limit)} ${r.enforced ? 'budget' : 'ceiling'} | ${within ? 'within' : `OVER by ${kb(r.gzip_bytes - r.limit)}`} |`);
}
for (const r of results) {
  console.log(`\n${r.id}:`);
  for (const f of [...r.files].sort((a, b) => b.gzip_bytes - a.gzip_bytes)) console.log(`  ${String(f.gzip_bytes).padStart(7)}  ${f.file}`);
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2));
const over = results.filter((r) => r.enforced && r.gzip_bytes > r.limit);
if (over.length) {
  console.error(`\nbytes: over the embed's budget of ${kb(EMBED_BUDGET_BYTES)}: ${over.map((r) => `${r.id} ${kb(r.gzip_bytes)}`).join(', ')}`);
  process.exit(1);
}
process.exit(0);
