// Shared by the teaching-layer tests (teaching-lessons.mjs, teaching-views.mjs): the engine's
// own numbers from the native runner, the presets as files, and small page readers.
//
// run.mjs runs every exported *function* of e2e/tests/*.mjs as a test, so this module exports
// one frozen object and no function: it holds no test of its own.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The presets in scenarios/, by id (the file's name): { id: scenarioObject }. */
function presets() {
  const dir = path.join(repo, 'scenarios');
  const out = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    out[f.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}

/** Newest modification time (ms) of the files under `p` (or of `p` itself). */
function newestMtime(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, f) => Math.max(m, newestMtime(path.join(p, f))), st.mtimeMs);
}

/**
 * The runner binary cargo built, if it is newer than every source it depends on; otherwise
 * null. Running it directly is what `cargo run` does once it has found nothing to rebuild, but
 * it does not wait for the build directory's lock, which a concurrent `cargo test` or build
 * on this machine can hold for minutes.
 */
function freshRunner() {
  const bin = path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug', 'scenario');
  const built = fs.statSync(bin, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = ['sim/src', 'sim/Cargo.toml', 'Cargo.toml', 'Cargo.lock'].map((p) => newestMtime(path.join(repo, p)));
  return built > Math.max(...sources) ? bin : null;
}

/**
 * Runs `scenario` (an object) through the native runner, as a course author would:
 *   cargo run -q -p replication-sim --bin scenario -- run FILE --json
 * and returns the parsed report. The runner runs to the scenario's end.
 */
async function runNative(scenario, label = 'scenario') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-teaching-'));
  const file = path.join(dir, `${label.replace(/[^\w.-]+/g, '_')}.json`);
  fs.writeFileSync(file, JSON.stringify(scenario, null, 2));
  const env = { ...process.env, PATH: `${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}` };
  const bin = freshRunner();
  const [cmd, args] = bin
    ? [bin, ['run', file, '--json']]
    : ['cargo', ['run', '-q', '-p', 'replication-sim', '--bin', 'scenario', '--', 'run', file, '--json']];
  try {
    const stdout = await new Promise((resolve, reject) => {
      execFile(cmd, args, { cwd: repo, env, maxBuffer: 256 * 1024 * 1024 }, (err, out, errText) => {
        if (err) reject(new Error(`native runner failed on ${label} (${cmd}): ${err.message}\n${errText}`));
        else resolve(out);
      });
    });
    return JSON.parse(stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A deep copy of `scenario` with cluster.mode set (what the compare view does per column). */
function withMode(scenario, mode) {
  const s = structuredClone(scenario);
  s.cluster.mode = mode;
  return s;
}

/**
 * Whether `text` (what a lesson's hold says) is made of the runner's sentences at instant
 * `at`: some of them, in the runner's order, joined by a space. Which kinds of event a lesson
 * holds on is the engine's business (Lesson::moment_between); this only checks that the page
 * and the runner tell the same run.
 */
function saysTheRunnersSentencesAt(report, at, text) {
  let rest = text;
  let used = 0;
  for (const e of report.events) {
    if (e.at_ms !== at || !rest.startsWith(e.text)) continue;
    rest = rest.slice(e.text.length).replace(/^ /, '');
    used += 1;
  }
  return used > 0 && rest === '';
}

/** The instants the open lesson holds at, as the page exposes them (data-key-moments). */
async function keyMomentsShown(page) {
  const value = await page.getAttribute('section.lesson', 'data-key-moments');
  return (value || '').split(' ').filter(Boolean).map(Number);
}

/** "12.345 s" -> 12345 (ms); null when the text holds no time. */
function parseTime(text) {
  const m = /(\d+)\.(\d{3})\s*s/.exec(text || '');
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

/** The playback clock as shown: { now, end } in ms, and whether the Play button says Pause. */
async function readClock(page) {
  return page.evaluate(() => {
    const clock = document.querySelector('.controls .clock')?.textContent || '';
    const [now, end] = clock.split('/');
    const play = document.getElementById('play')?.textContent || '';
    return { now, end, playing: /Pause/.test(play) };
  }).then((c) => ({ now: parseTime(c.now), end: parseTime(c.end), playing: c.playing }));
}

/** Puts the speed slider at its fastest (10×) from the keyboard, then leaves the slider. */
async function setSpeedMax(page) {
  await page.focus('.controls .speed input[type=range]');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /10×/.test(document.querySelector('.controls .speed output')?.textContent || ''), null, { timeout: 10000 });
  await page.evaluate(() => document.activeElement?.blur());
}

export const teaching = Object.freeze({ repo, presets, runNative, withMode, saysTheRunnersSentencesAt, keyMomentsShown, parseTime, readClock, setSpeedMax });
