// The worst valid scenarios in WebAssembly: each one's whole run built as the app builds it
// (a Timeline with its checkpoints), then 100 random seeks, in a fresh page of the release
// build. Prints the time, the events, the WebAssembly memory's size at the end (it only
// grows, so it is the peak) and the seek times. It never passes or fails on figures.
//
//   ENGINE_BENCH_ONLY=worst-json cargo bench -p replication-sim --bench engine
//   node e2e/bench-worst.mjs [--dist dist] [--dir bench-results] [--seeks 100]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launchBrowser, keepOnLoopback } from './browser.mjs';
import { cliOption } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const distDir = path.resolve(repo, cliOption('dist', 'dist'));
const dir = path.resolve(repo, cliOption('dir', 'bench-results'));
const seeks = Number(cliOption('seeks', '100'));
const files = fs
  .readdirSync(dir)
  .filter((f) => /^worst-\d+\.json$/.test(f))
  .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]));
if (files.length === 0) {
  console.error(`no worst-N.json in ${dir}: write them first with ENGINE_BENCH_ONLY=worst-json`);
  process.exit(2);
}

const server = await startServer({ root: distDir });
const browser = await launchBrowser();
const results = [];
try {
  for (const f of files) {
    const json = fs.readFileSync(path.join(dir, f), 'utf8');
    const title = JSON.parse(json).title || f;
    const context = await browser.newContext();
    await keepOnLoopback(context, []);
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?embed`);
      await page.waitForFunction(() => typeof window.wasmBindings?.bench_seek === 'function', null, { timeout: 20000 });
      const started = Date.now();
      const raw = JSON.parse(await page.evaluate(([j, k]) => window.wasmBindings.bench_seek(j, k), [json, seeks]));
      const r = {
        file: f,
        title,
        events: raw.events,
        build_s: raw.build_us / 1e6,
        wall_s: (Date.now() - started) / 1000,
        memory_mb: Math.round(raw.memory_bytes / 1048576),
        checkpoints: raw.checkpoints,
        seek_p50_ms: raw.seek_p50_us / 1000,
        seek_max_ms: raw.seek_max_us / 1000,
      };
      results.push(r);
      console.log(
        `${title}: ${r.events.toLocaleString('en')} events, built in ${r.build_s.toFixed(1)} s, ` +
          `WebAssembly memory ${r.memory_mb} MB, ${r.checkpoints} checkpoints; ` +
          `${seeks} seeks p50 ${r.seek_p50_ms.toFixed(1)} ms, max ${r.seek_max_ms.toFixed(1)} ms`,
      );
    } catch (e) {
      results.push({ file: f, title, error: String(e.message || e) });
      console.log(`${title}: could not run: ${String(e.message || e).split('\n')[0]}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
fs.mkdirSync(path.resolve(repo, 'bench-results'), { recursive: true });
fs.writeFileSync(path.resolve(repo, 'bench-results/worst-browser.json'), JSON.stringify(results, null, 2));
