// Tiny static file server for the built site (dist/), used by the e2e tests and the benchmark.
// It can mount the site under a sub-path (e.g. /course/unit1/lab/) and serve extra in-memory
// pages (e.g. a course page that embeds the lab in an iframe), always on loopback only.
//
//   node e2e/server.mjs [--root dist] [--port 8080] [--prefix /course/unit1/lab/]
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // required for WebAssembly.instantiateStreaming
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Normalises a mount prefix to the form "/a/b/" ("/" for the root). */
function normalisePrefix(prefix) {
  let p = prefix || '/';
  if (!p.startsWith('/')) p = '/' + p;
  if (!p.endsWith('/')) p += '/';
  return p;
}

/**
 * Starts serving `root` under `prefix` on 127.0.0.1. Port 0 picks a free port.
 * `pages` maps absolute URL paths to { body, type } served from memory (for embed tests).
 * Returns { url, origin, port, close() }, where url is origin + prefix.
 */
export async function startServer({ root = 'dist', prefix = '/', port = 0, pages = {}, log = false } = {}) {
  const rootDir = path.resolve(root);
  const mount = normalisePrefix(prefix);
  const server = http.createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
      if (log) console.log(`${status} ${req.method} ${req.url}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (Object.hasOwn(pages, pathname)) {
      const page = pages[pathname];
      return send(200, page.body, page.type || MIME_TYPES['.html']);
    }
    // The mount point itself without its slash: redirect so relative asset URLs resolve.
    if (mount !== '/' && pathname === mount.slice(0, -1)) {
      return send(301, '', undefined, { Location: mount });
    }
    if (!pathname.startsWith(mount)) return send(404, 'not found');
    let rel = pathname.slice(mount.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(rootDir, rel);
    // Refuse anything that escapes the root (../ tricks).
    if (file !== rootDir && !file.startsWith(rootDir + path.sep)) return send(403, 'forbidden');
    try {
      const body = await fs.readFile(file);
      const type = MIME_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      send(200, body, type);
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const origin = `http://127.0.0.1:${actualPort}`;
  return {
    origin,
    url: origin + mount,
    port: actualPort,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// Command-line use: serve until interrupted.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const srv = await startServer({
    root: opt('root', 'dist'),
    port: Number(opt('port', '8080')),
    prefix: opt('prefix', '/'),
    log: args.includes('--log'),
  });
  console.log(`serving ${path.resolve(opt('root', 'dist'))} at ${srv.url}`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
