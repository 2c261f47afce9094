// The browser's own raw deflate (RFC 1951) for scenario links, so that the app's WebAssembly
// carries no compressor. Throws where CompressionStream is missing; src/share.rs then keeps
// its uncompressed (stored-block) link, which decodes the same.
export function deflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Response(stream).arrayBuffer().then((buffer) => new Uint8Array(buffer));
}
