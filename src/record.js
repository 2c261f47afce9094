// A clip for slides, with the browser's own APIs only: each frame, the cluster's SVG (as the
// page shows it, its stylesheet's colours copied onto each element, since an SVG drawn as an
// image sees no page CSS) is drawn into a canvas with the title, the clock and the caption;
// canvas.captureStream feeds a MediaRecorder, which writes WebM.
const W = 1280, H = 720;
const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity',
  'opacity', 'font-family', 'font-size', 'font-weight', 'letter-spacing', 'paint-order', 'text-anchor',
  'dominant-baseline', 'visibility', 'display'];
let clip = null;
let lastUrl = null;

/** Starts a clip: '' when it started, else why not, in plain words. */
export function clipStart(title) {
  clipCancel();
  if (typeof MediaRecorder === 'undefined') return 'this browser cannot record video';
  const type = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
  if (!type) return 'this browser cannot write WebM video';
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  // VP9, and the file in one piece at the end: Chromium's VP8 files, and files written in
  // slices, report a shorter duration than they hold once a player has seen their end.
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: type, videoBitsPerSecond: 4e6 });
  const c = { canvas, ctx: canvas.getContext('2d'), recorder, chunks: [], title, busy: null, started: false };
  recorder.ondataavailable = (e) => { if (e.data.size) c.chunks.push(e.data); };
  clip = c;
  return '';
}

/** The cluster as an image of the SVG, styled as the page shows it. */
function snapshot(svg) {
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  for (let i = 0; i < from.length; i++) {
    const cs = getComputedStyle(from[i]);
    to[i].setAttribute('style', PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';'));
  }
  const r = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', r.width);
  copy.setAttribute('height', r.height);
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
  return img.decode().then(() => ({ img, w: r.width, h: r.height }));
}

/** Lines of `text` that fit `width` in the context's font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Draws the page's cluster now, with the clock and caption given; skipped while one draws. */
export function clipFrame(clock, caption) {
  if (!clip || clip.busy) return;
  const c = clip;
  const svg = document.querySelector('#cluster svg.cluster-svg');
  const page = getComputedStyle(document.querySelector('#cluster') || document.body);
  const bg = page.backgroundColor && page.backgroundColor !== 'rgba(0, 0, 0, 0)' ? page.backgroundColor : getComputedStyle(document.body).backgroundColor;
  const fg = page.color;
  const font = getComputedStyle(document.body).fontFamily;
  c.busy = (svg ? snapshot(svg) : Promise.resolve(null)).then((shot) => {
    if (clip !== c) return;
    const ctx = c.ctx;
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = fg;
    ctx.textBaseline = 'top';
    ctx.font = `700 30px ${font}`;
    ctx.fillText(c.title, 32, 22, W - 340);
    ctx.font = '600 30px ui-monospace, monospace';
    ctx.textAlign = 'right';
    ctx.fillText(clock, W - 32, 22);
    ctx.textAlign = 'left';
    ctx.font = `28px ${font}`;
    const lines = wrap(ctx, caption, W - 64).slice(0, 3);
    const top = 70, bottom = H - 24 - lines.length * 36 - (lines.length ? 12 : 0);
    if (shot) {
      const s = Math.min((W - 40) / shot.w, (bottom - top) / shot.h);
      ctx.drawImage(shot.img, (W - shot.w * s) / 2, top, shot.w * s, shot.h * s);
    }
    lines.forEach((l, i) => ctx.fillText(l, 32, bottom + 12 + i * 36));
    if (!c.started) { c.started = true; c.recorder.start(); }
  }).catch(() => {}).finally(() => { c.busy = null; });
}

/** Ends the clip after the frame being drawn, then calls `done` with a Blob URL of the WebM
 * file, or with '' when there is none. */
export function clipStop(done) {
  const c = clip;
  if (!c) { done(''); return; }
  // Asked twice (two renders at the end), it ends the clip once.
  if (c.stopping) return;
  c.stopping = true;
  Promise.resolve(c.busy).then(() => {
    if (!c.started) { clip = null; done(''); return; }
    c.recorder.onstop = () => {
      if (lastUrl) URL.revokeObjectURL(lastUrl);
      lastUrl = URL.createObjectURL(new Blob(c.chunks, { type: 'video/webm' }));
      if (clip === c) clip = null;
      done(lastUrl);
    };
    c.recorder.stop();
  });
}

/** Drops the clip being recorded, if any. */
export function clipCancel() {
  const c = clip;
  clip = null;
  if (c?.started && c.recorder.state !== 'inactive') c.recorder.stop();
}
