// Trunk post-build hook (Trunk.toml), for every build: makes index.html load the lean embed
// build (`replication-lab-embed`, the app without its `full` feature) on `?embed` pages, and the
// full lab everywhere else.
//
// Trunk loads only one "main" Rust build per page; index.html declares the lean one as a
// "worker" link, which Trunk compiles and writes to dist/ without loading it. This script:
//   1. names the lean build's files after a hash of their content, as Trunk does for the full
//      build (`filehash`), so that a browser never mixes a cached glue with a new module;
//   2. replaces Trunk's loader with one that reads the page's address the way the app does
//      (`embed` in the query or the fragment, the last one winning, `embed=0|false|no` meaning
//      no; a `compare` fragment always opens the full lab, which has the compare view), then
//      starts fetching the chosen module at once and imports its glue;
//   3. drops Trunk's preload links for the full build, which an embed would download for
//      nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('embed-loader: TRUNK_STAGING_DIR is not set; run me as a Trunk hook');
  process.exit(1);
}
const fail = (why) => {
  console.error(`embed-loader: ${why}`);
  process.exit(1);
};

const LEAN = 'replication-lab-embed';
const leanJs = path.join(staging, `${LEAN}.js`);
const leanWasm = path.join(staging, `${LEAN}_bg.wasm`);
if (!fs.existsSync(leanJs) || !fs.existsSync(leanWasm)) {
  fail(`Trunk did not write ${LEAN}.js and ${LEAN}_bg.wasm (see the worker link in index.html)`);
}
const hash = createHash('sha256')
  .update(fs.readFileSync(leanJs))
  .update(fs.readFileSync(leanWasm))
  .digest('hex')
  .slice(0, 16);
const jsName = `${LEAN}-${hash}.js`;
const wasmName = `${LEAN}-${hash}_bg.wasm`;
fs.renameSync(leanJs, path.join(staging, jsName));
fs.renameSync(leanWasm, path.join(staging, wasmName));

const htmlFile = path.join(staging, 'index.html');
let html = fs.readFileSync(htmlFile, 'utf8');
// Trunk's loader, minified (release) or not: `import init, * as bindings from './X.js';
// const wasm = await init({ module_or_path: './X_bg.wasm' }); ... </script>`.
const loader =
  /<script type=("?)module\1>\s*import init, \* as bindings from '\.\/([^']+\.js)';\s*const wasm = await init\(\{ module_or_path: '\.\/([^']+_bg\.wasm)' \}\);[\s\S]*?<\/script>/;
const found = loader.exec(html);
if (!found) fail("index.html has no loader in the form this script knows (Trunk's output changed?)");
const [, , fullJs, fullWasm] = found;
const script = `<script type=module>
const parts = (s) => s.slice(1).split('&').filter(Boolean).map((p) => {
  const i = p.indexOf('=');
  return i < 0 ? [p, null] : [p.slice(0, i), p.slice(i + 1)];
});
const flags = parts(location.search).concat(parts(location.hash)).filter(([k]) => k === 'embed');
const last = flags[flags.length - 1];
const embed = !!last && !['0', 'false', 'no'].includes(last[1]);
const compare = parts(location.hash).some(([k]) => k === 'compare');
const [js, wasmUrl] = embed && !compare ? ['./${jsName}', './${wasmName}'] : ['./${fullJs}', './${fullWasm}'];
const module_or_path = fetch(wasmUrl);
const bindings = await import(js);
const wasm = await bindings.default({ module_or_path });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
</script>`;
html = html.replace(loader, () => script);
// Preloads of the full build's glue and module (not the shared snippets).
const escaped = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const preload = new RegExp(`<link\\b[^>]*href=["']?\\./(?:${escaped(fullJs)}|${escaped(fullWasm)})(?=["'\\s>])[^>]*>`, 'g');
const dropped = (html.match(preload) || []).length;
html = html.replace(preload, '');
fs.writeFileSync(htmlFile, html);
console.log(`embed-loader: ?embed pages load ${jsName}; ${dropped} preload links of the full build dropped`);
