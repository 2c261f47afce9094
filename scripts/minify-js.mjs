// Trunk post-build hook (Trunk.toml): minifies the JavaScript of a release build with terser.
// Trunk's own JS minifier cannot parse wasm-bindgen's `export default` and skips the glue,
// which is then the largest file after the wasm. Minifying it takes about 1.7 KB gzip off
// the bundle. Trunk has already written the subresource-integrity hashes of these files into
// index.html, so they are recomputed here. Then, for every build, scripts/embed-loader.mjs
// (one hook, in this order: Trunk runs the hooks of one stage at the same time, and both
// rewrite index.html).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('minify-js: TRUNK_STAGING_DIR is not set; run me as a Trunk hook');
  process.exit(1);
}
if (process.env.TRUNK_PROFILE === 'release') await minifyAll();
await import('./embed-loader.mjs');

async function minifyAll() {
  let minify;
  try {
    ({ minify } = await import('terser'));
  } catch {
    console.warn('minify-js: terser is not installed (scripts/setup.sh installs it); the JavaScript stays as it is');
    return;
  }

  const jsFiles = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return jsFiles(full);
    return e.name.endsWith('.js') ? [full] : [];
  });

  const integrity = {};
  for (const file of jsFiles(staging)) {
    const source = fs.readFileSync(file, 'utf8');
    const result = await minify(source, { module: true, compress: true, mangle: true, format: { comments: false } });
    fs.writeFileSync(file, result.code);
    const rel = path.relative(staging, file).split(path.sep).join('/');
    integrity[rel] = `sha384-${createHash('sha384').update(result.code).digest('base64')}`;
  }

  const htmlFile = path.join(staging, 'index.html');
  let updated = 0;
  const html = fs.readFileSync(htmlFile, 'utf8').replace(/<link\b[^>]*>/g, (tag) => {
    const href = /\bhref=["']?(?:\.\/)?([^"'\s>]+)/.exec(tag)?.[1];
    if (!href || !(href in integrity)) return tag;
    updated += 1;
    return tag.replace(/\bintegrity=(["']?)sha384-[^"'\s>]+\1/, (_, q) => `integrity=${q}${integrity[href]}${q}`);
  });
  fs.writeFileSync(htmlFile, html);
  console.log(`minify-js: ${Object.keys(integrity).length} files minified, ${updated} integrity hashes updated`);
}
