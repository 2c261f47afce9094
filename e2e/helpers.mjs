// Helpers shared by the e2e tests: read what the lab shows (clock, lost counter, replica boxes,
// notice) the way a reader sees it, wait for a condition with a timeout instead of sleeping,
// and build scenario links the way the app does. Kept outside e2e/tests/, because run.mjs runs
// every exported function of e2e/tests/*.mjs as a test.
import zlib from 'node:zlib';

/** "12.345 s" -> 12345 (ms); null when the text holds no time. */
export function parseTime(text) {
  const m = /(\d+)\.(\d{3})\s*s/.exec(text || '');
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

/**
 * Everything a test asserts on, read from the page as shown: the clock, the lost counter, the
 * replica boxes (from their visible text and aria-label), the notice, the play button, the
 * timeline, the screen-reader announcer, the branch picker and the panic panel.
 */
export function readLab(page) {
  return page.evaluate(() => {
    const text = (sel, root = document) => root.querySelector(sel)?.textContent?.trim() ?? null;
    const clock = text('.controls .clock');
    const parse = (t) => {
      const m = /(\d+)\.(\d{3})\s*s/.exec(t || '');
      return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
    };
    const [nowText, endText] = (clock || '').split('/');
    const lostText = text('#lost-count');
    const lostMatch = /\d+/.exec(lostText || '');
    const counts = {};
    for (const div of document.querySelectorAll('.writes .counts > div')) {
      counts[text('dt', div)] = Number(text('dd', div));
    }
    const replicas = [...document.querySelectorAll('#cluster .replica')].map((g) => {
      // The accessible button is the replica's box (its name must not clash with the text drawn in it).
      const button = g.querySelector('[role="button"]') || g;
      const label = button.getAttribute('aria-label') || '';
      const pos = /pos (\d+)/.exec(label);
      const behind = /(\d+) behind/.exec(label);
      const progress = g.querySelector('.progress');
      return {
        id: text('.name', g),
        role: text('.role', g), // as drawn: "LEADER", "FOLLOWER", "NEW FOLLOWER", "DOWN", ...
        label,
        position: pos ? Number(pos[1]) : (/log empty/.test(label) ? 0 : null),
        behind: behind ? Number(behind[1]) : 0,
        selected: button.getAttribute('aria-pressed') === 'true',
        progress: progress ? {
          now: Number(progress.getAttribute('aria-valuenow')),
          label: progress.getAttribute('aria-label'),
          text: text('.progress-label', progress),
        } : null,
      };
    });
    const notice = document.getElementById('notice');
    const timeline = document.getElementById('timeline');
    const branch = document.getElementById('branch');
    const play = document.getElementById('play');
    // A digest of the whole drawing (messages in flight included), to compare two instants.
    const svg = document.querySelector('#cluster svg')?.outerHTML ?? '';
    let svgHash = 0;
    for (let i = 0; i < svg.length; i++) svgHash = (Math.imul(svgHash, 31) + svg.charCodeAt(i)) | 0;
    return {
      title: text('#cluster .cluster-head :is(h1, h2)'),
      modePill: text('#cluster .mode-pill'),
      clock,
      nowMs: parse(nowText),
      endMs: parse(endText),
      lost: lostMatch ? Number(lostMatch[0]) : null,
      counts,
      replicas,
      notice: notice ? { text: text('span', notice) ?? notice.textContent.trim(), error: notice.classList.contains('error') } : null,
      playing: play ? /Pause/.test(play.textContent) : null,
      timeline: timeline ? { value: Number(timeline.value), max: Number(timeline.max) } : null,
      announcer: text('#announcer'),
      branches: branch ? [...branch.options].map((o) => ({ text: o.textContent, selected: o.selected })) : null,
      panic: !!document.getElementById('rl-panic-panel'),
      svgHash,
    };
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls readLab until `predicate(state)` is true; returns that state. On timeout, throws with
 * `what` and the last state seen, so a failure says what the page showed instead.
 */
export async function waitForLab(page, predicate, { timeout = 15000, what = 'condition', interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await readLab(page);
    if (predicate(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for: ${what}\nlast seen: ${summarise(last)}`);
    }
    await sleep(interval);
  }
}

/** One line per replica plus the clock and counters, for messages and logs. */
export function summarise(s) {
  if (!s) return String(s);
  const reps = s.replicas.map((r) => `${r.id}:${r.role}@${r.position}${r.progress ? `[${r.progress.text}]` : ''}`).join(' ');
  return `clock=${s.clock} lost=${s.lost} playing=${s.playing} ${reps} notice=${JSON.stringify(s.notice?.text ?? null)}`;
}

/** Resolves after the page has drawn a frame (the app renders a dispatched action by then). */
export function settle(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

/** Loads the lab at `url` and waits until the cluster is drawn. */
export async function openLab(page, url) {
  await page.goto(url);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  return readLab(page);
}

/** A replica by id from a readLab state. */
export const replica = (state, id) => state.replicas.find((r) => r.id === id);
/** The replica drawn as leader, if any. */
export const leaderOf = (state) => state.replicas.find((r) => r.role === 'LEADER');

/**
 * Plays until the clock reaches `ms` (or the run pauses on its own), then pauses with the
 * Play/Pause button. Returns the state after the pause.
 */
export async function playUntil(page, ms, { timeout = 30000 } = {}) {
  let s = await readLab(page);
  if (!s.playing) await page.click('#play');
  s = await waitForLab(page, (x) => x.nowMs >= ms || !x.playing, { timeout, what: `clock to reach ${ms} ms` });
  if (s.playing) await page.click('#play');
  return waitForLab(page, (x) => !x.playing, { what: 'playback to pause' });
}

/** Sets the playback speed slider (0..100, logarithmic 0.1x..10x) as a keyboard user would. */
export async function setSpeedMax(page) {
  await page.focus('.controls .speed input[type=range]');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /10×/.test(document.querySelector('.controls .speed output')?.textContent || ''));
}

/** Clicks a replica's box in the drawing (on its name, away from the log cells). */
export async function clickReplica(page, id) {
  const g = page.locator('#cluster .replica', { has: page.locator('text.name', { hasText: new RegExp(`^${id}$`) }) });
  await g.locator('text.name').click();
}

// Links -----------------------------------------------------------------------------------------
// The app packs a scenario as `s=1.<base64url(deflate(json))>`. miniz_oxide's
// `deflate::compress_to_vec` writes a raw DEFLATE stream (RFC 1951, no zlib header or
// checksum; that would be `compress_to_vec_zlib`), and the app inflates with
// `inflate::decompress_to_vec_with_limit`, also raw. Node's deflateRawSync matches.

/** base64url without padding, as the app's URL_SAFE_NO_PAD engine. */
export const base64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The `s=` value for raw bytes or text (no validation: for hostile links too). */
export const packLink = (text) => `1.${base64url(zlib.deflateRawSync(Buffer.from(text), { level: 9 }))}`;

/** The fragment (without '#') for a scenario object and an optional time cursor. */
export function scenarioFragment(scenario, t) {
  return `s=${packLink(JSON.stringify(scenario))}${t === undefined ? '' : `&t=${t}`}`;
}

/** Reads a `#s=1.…` fragment back into the scenario object (for checking copied links). */
export function unpackFragment(url) {
  const frag = url.slice(url.indexOf('#') + 1);
  const s = frag.split('&').find((p) => p.startsWith('s='));
  if (!s) return null;
  const data = s.slice(4).replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(zlib.inflateRawSync(Buffer.from(data, 'base64')).toString());
}

/** The sandbox's scenario (Scenario::default_scenario in sim/src/scenario.rs), to vary in links. */
export function sandboxScenario(overrides = {}) {
  const base = {
    version: 1,
    title: 'Asynchronous replication',
    seed: 1,
    cluster: { nodes: 3, mode: 'async' },
    workload: { write_every_ms: 200 },
    duration_ms: 60000,
  };
  return {
    ...base,
    ...overrides,
    cluster: { ...base.cluster, ...(overrides.cluster || {}) },
    workload: { ...base.workload, ...(overrides.workload || {}) },
  };
}

/** `--name value` from the command line, or `fallback`: the runner's and the benchmark's options. */
export function cliOption(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
