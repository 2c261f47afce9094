// End-to-end test runner: serves the release build (dist/) on loopback and runs every exported
// async function of e2e/tests/*.mjs as a test, each in a fresh browser context.
//
//   node e2e/run.mjs [--dist dist] [--filter text] [--timeout-ms 30000]
//
// A test receives a context object:
//   page, context, browser   Playwright objects (a new context per test)
//   baseUrl                  the app's URL on the loopback server (ends with "/")
//   screenshot(name)         saves e2e/artifacts/<file>--<name>.png, returns its path
//   serveAt(prefix, pages)   serves dist/ under another path (and extra in-memory pages);
//                            returns that server's { url, origin }
//   consoleErrors, pageErrors  what the page reported so far
//   allowPageErrors()        for tests that provoke errors on purpose
// A test fails if it throws, times out, sends a request off loopback, or (unless it called
// allowPageErrors) if the page logged a console error or threw an uncaught exception.
// Exit code: 0 when all tests pass, 1 otherwise (also when no test was found).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './server.mjs';
import { launchBrowser, keepOnLoopback } from './browser.mjs';
import { cliOption } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const opt = cliOption;
const distDir = path.resolve(repo, opt('dist', 'dist'));
const filter = opt('filter', '');
const timeoutMs = Number(opt('timeout-ms', '30000'));
const artifacts = path.join(here, 'artifacts');

if (!fs.existsSync(path.join(distDir, 'index.html'))) {
  console.error(`e2e: ${path.relative(repo, distDir)}/index.html is missing; build first: e2e/run-all.sh (trunk build --release)`);
  process.exit(1);
}
fs.mkdirSync(artifacts, { recursive: true });

const testDir = path.join(here, 'tests');
const files = fs.readdirSync(testDir).filter((f) => f.endsWith('.mjs')).sort();

const servers = [];
const main = await startServer({ root: distDir });
servers.push(main);
const browser = await launchBrowser();
console.log(`e2e: ${browser.version()} at ${main.url}, serving ${path.relative(repo, distDir) || '.'}`);

const results = [];
for (const file of files) {
  const mod = await import(pathToFileURL(path.join(testDir, file)).href);
  const base = file.replace(/\.mjs$/, '');
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    const title = `${base} › ${name}`;
    if (filter && !title.includes(filter)) continue;
    results.push(await runOne(base, name, title, fn));
  }
}

await browser.close();
await Promise.all(servers.map((s) => s.close()));

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
if (results.length === 0) console.error('e2e: no test ran (check e2e/tests/ and --filter)');
console.log(`\ne2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);

async function runOne(base, name, title, fn) {
  const started = Date.now();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const blocked = [];
  await keepOnLoopback(context, blocked);
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  let errorsAllowed = false;
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err?.message ?? err)));

  const shot = async (label) => {
    const file = path.join(artifacts, `${base}--${label}.png`.replace(/[^\w.-]+/g, '_'));
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const ctx = {
    page,
    context,
    browser,
    baseUrl: main.url,
    screenshot: shot,
    consoleErrors,
    pageErrors,
    allowPageErrors: () => { errorsAllowed = true; },
    serveAt: async (prefix, pages = {}) => {
      const srv = await startServer({ root: distDir, prefix, pages });
      servers.push(srv);
      return srv;
    },
  };

  let error = null;
  let timer;
  try {
    await Promise.race([
      fn(ctx),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const problems = [];
    if (blocked.length) problems.push(`requests off loopback (blocked): ${blocked.join(', ')}`);
    if (!errorsAllowed && consoleErrors.length) problems.push(`console errors: ${consoleErrors.join(' | ')}`);
    if (!errorsAllowed && pageErrors.length) problems.push(`uncaught page errors: ${pageErrors.join(' | ')}`);
    if (problems.length) error = new Error(problems.join('\n'));
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(timer);
  }
  if (error) {
    try {
      const file = await shot(`FAILED-${name}`);
      error.screenshot = path.relative(repo, file);
    } catch { /* the page may be gone; the error says enough */ }
  }
  await context.close();
  const ms = Date.now() - started;
  if (error) {
    console.log(`FAIL ${title} (${ms} ms)`);
    console.log(indent(error.stack || String(error)));
    if (error.screenshot) console.log(indent(`screenshot: ${error.screenshot}`));
  } else {
    console.log(`PASS ${title} (${ms} ms)`);
  }
  return { title, ok: !error, ms };
}

function indent(text) {
  return String(text).split('\n').map((l) => `    ${l}`).join('\n');
}
