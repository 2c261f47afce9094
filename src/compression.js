// The browser's own raw deflate (RFC 1951) for scenario links, so that the app's WebAssembly
// carries no compressor and no inflater (src/share.rs and src/app.rs call these).

// Throws where CompressionStream is missing; the app then keeps its uncompressed
// (stored-block) link, which decodes the same.
export function deflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Response(stream).arrayBuffer().then((buffer) => new Uint8Array(buffer));
}

// Inflates at most `limit` bytes, so that a short hostile link cannot fill the memory:
// resolves to null past the limit, and rejects if the data is not deflate.
export async function inflateRaw(bytes, limit) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
