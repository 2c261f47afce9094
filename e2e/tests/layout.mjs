// What a reader sees without scrolling, on the two commonest laptop screens (1280×800 and
// 1366×768): Play, Step, the clock and the whole cluster drawing are inside the window for every
// preset and every lesson as it opens, and, for one lesson walked through, also while it holds
// at a key moment and once its outcome is shown. Before the layout put the lesson beside the
// cluster, Play was below the fold in every preset with a description and on every lesson page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { teaching } from './teaching-support.mjs';

const { repo, presets, setSpeedMax } = teaching;

/** What the window shows, not the whole page: e2e/artifacts/layout--NAME.png. */
async function windowShot(page, name) {
  await page.screenshot({ path: path.join(repo, 'e2e', 'artifacts', `layout--${name}.png`) });
}

const SIZES = [{ width: 1280, height: 800 }, { width: 1366, height: 768 }];
const WALKED = 'async-failover';

/**
 * The parts the reader needs, each with its box in the viewport, and whatever is not wholly
 * inside the window: [] when everything is in view. The page must not have scrolled either.
 */
async function outOfView(page) {
  return page.evaluate(() => {
    const step = [...document.querySelectorAll('.controls button')].find((b) => /Step/.test(b.textContent));
    const parts = {
      play: document.getElementById('play'),
      step,
      clock: document.querySelector('.controls .clock'),
      cluster: document.querySelector('#cluster svg'),
    };
    const [w, h] = [window.innerWidth, window.innerHeight];
    const out = [];
    for (const [name, el] of Object.entries(parts)) {
      if (!el) { out.push(`${name} is missing`); continue; }
      const r = el.getBoundingClientRect();
      const box = `top ${r.top.toFixed(0)} bottom ${r.bottom.toFixed(0)} left ${r.left.toFixed(0)} right ${r.right.toFixed(0)}`;
      if (r.width === 0 || r.height === 0) out.push(`${name} has no size`);
      else if (r.top < 0 || r.left < 0 || r.bottom > h || r.right > w) out.push(`${name} is not wholly in the ${w}×${h} window (${box})`);
    }
    if (window.scrollY !== 0 || window.scrollX !== 0) out.push(`the page has scrolled to ${window.scrollX}, ${window.scrollY}`);
    return out;
  });
}

async function open(page, fragment) {
  await page.goto('about:blank');
  await page.goto(`${fragment.base}#${fragment.hash}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.waitForSelector('#play');
}

async function assertEachInView(page, baseUrl, size, hashes) {
  await page.setViewportSize(size);
  const failures = [];
  for (const hash of hashes) {
    await open(page, { base: baseUrl, hash });
    const out = await outOfView(page);
    if (out.length) failures.push(`#${hash}: ${out.join('; ')}`);
  }
  assert.deepEqual(failures, [], `at ${size.width}×${size.height}, Play, Step, the clock and the cluster are in view on opening`);
}

/** The lessons the gallery offers, by id. */
async function lessonIds(page, baseUrl) {
  await page.goto(`${baseUrl}#lessons`);
  await page.waitForSelector('.cards .card a.start');
  const ids = await page.$$eval('.cards .card a.start', (as) => as.map((a) => /#lesson=(.+)$/.exec(a.getAttribute('href'))?.[1]));
  assert.ok(ids.length >= 5 && ids.every(Boolean), `the gallery lists the lessons: ${JSON.stringify(ids)}`);
  return ids;
}

const presetHashes = () => Object.keys(presets()).map((id) => `preset=${id}`);

export async function every_preset_at_1280x800_shows_controls_and_cluster_without_scrolling({ page, baseUrl }) {
  await assertEachInView(page, baseUrl, SIZES[0], presetHashes());
  await open(page, { base: baseUrl, hash: `preset=${WALKED}` });
  await windowShot(page, 'lab-1280x800');
}

export async function every_preset_at_1366x768_shows_controls_and_cluster_without_scrolling({ page, baseUrl }) {
  await assertEachInView(page, baseUrl, SIZES[1], presetHashes());
}

export async function every_lesson_at_1280x800_shows_controls_and_cluster_without_scrolling({ page, baseUrl }) {
  const ids = await lessonIds(page, baseUrl);
  await assertEachInView(page, baseUrl, SIZES[0], ids.map((id) => `lesson=${id}`));
}

export async function every_lesson_at_1366x768_shows_controls_and_cluster_without_scrolling({ page, baseUrl }) {
  const ids = await lessonIds(page, baseUrl);
  await assertEachInView(page, baseUrl, SIZES[1], ids.map((id) => `lesson=${id}`));
}

/**
 * Walks the lesson with a prediction made (its box stays on the page, the tallest case), and
 * checks the parts at the first key-moment hold and at the end, with the outcome shown. The
 * hold and the outcome themselves must be in view too: the lesson's box scrolls to them.
 * Continues by the Enter shortcut, which does not make the browser scroll anything into view.
 */
async function walkAndCheck(page, baseUrl, size, shots) {
  await page.setViewportSize(size);
  await open(page, { base: baseUrl, hash: `lesson=${WALKED}` });
  const at = `${size.width}×${size.height}`;
  assert.deepEqual(await outOfView(page), [], `at ${at}, in view at the start`);
  await page.click('#prediction .choice');
  await page.waitForSelector('#prediction .choice.chosen');
  await setSpeedMax(page);
  await page.click('#play');
  let held = 0;
  for (let i = 0; i < 30; i++) {
    const el = await page.waitForSelector('#lesson-pause, #lesson-outcome', { timeout: 20000 });
    const id = await el.getAttribute('id');
    // The lesson box scrolls to the hold or the outcome after it is drawn.
    await page.waitForTimeout(50);
    assert.deepEqual(await outOfView(page), [], `at ${at}, in view at ${id === 'lesson-pause' ? `hold ${held + 1}` : 'the end'}`);
    const shown = await page.evaluate((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight - 40;
    }, id === 'lesson-pause' ? '#continue' : '#lesson-outcome');
    assert.ok(shown, `at ${at}, the ${id === 'lesson-pause' ? 'Continue button' : 'outcome'} is in view`);
    if (id === 'lesson-outcome') {
      if (shots) await windowShot(page, 'lesson-end-1280x800');
      assert.ok(held >= 1, 'the lesson held at least once on the way');
      return;
    }
    if (held === 0 && shots) await windowShot(page, 'lesson-hold-1280x800');
    held += 1;
    const text = await page.textContent('#lesson-pause p');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Enter');
    await page.waitForFunction((t) => document.querySelector('#lesson-pause p')?.textContent !== t, text, { timeout: 10000 });
  }
  throw new Error('no outcome after 30 holds');
}

export async function a_lesson_at_1280x800_keeps_controls_and_cluster_in_view_at_a_hold_and_at_the_end({ page, baseUrl }) {
  await walkAndCheck(page, baseUrl, SIZES[0], true);
}

export async function a_lesson_at_1366x768_keeps_controls_and_cluster_in_view_at_a_hold_and_at_the_end({ page, baseUrl }) {
  await walkAndCheck(page, baseUrl, SIZES[1], false);
}
