// Presenter mode and clips for slides, as a teacher uses them in a lecture hall: `?present` on a
// 1920×1080 projector shows a large cluster and the current key moment's caption in large type,
// no side panels; PageDown and PageUp (and → and ←, which presenter remotes send) step between
// the key moments the engine reports, checked against the native runner's report of the same
// scenario; Escape leaves. Record turns the run between two instants into a WebM file, which is
// loaded back into a <video> element here to check that it plays, for as long as it should.
import assert from 'node:assert/strict';
import { teaching } from './teaching-support.mjs';

const { presets, runNative, saysTheRunnersSentencesAt, readClock } = teaching;
const LESSON = 'async-failover';
const PROJECTOR = { width: 1920, height: 1080 };

/** What the presenter view shows: clock, key moment counter, caption, and the moments listed. */
async function readPresenter(page) {
  const clock = await readClock(page);
  const shown = await page.evaluate(() => ({
    counter: document.querySelector('#present-caption .counter')?.textContent.trim() ?? null,
    caption: document.querySelector('#present-caption .text')?.textContent.trim() ?? null,
    moments: (document.getElementById('present-caption')?.dataset.keyMoments || '').split(' ').filter(Boolean).map(Number),
  }));
  return { ...clock, ...shown };
}

/** Presses `key` and waits until the clock shows `at` ms. */
async function pressUntilClock(page, key, at) {
  await page.keyboard.press(key);
  await page.waitForFunction((t) => {
    const m = /(\d+)\.(\d{3})\s*s/.exec(document.querySelector('.controls .clock')?.textContent || '');
    return m && Number(m[1]) * 1000 + Number(m[2]) === t;
  }, at, { timeout: 10000 }).catch(async () => {
    throw new Error(`after ${key} the clock should show ${at} ms; it shows ${(await readClock(page)).now} ms`);
  });
  return readPresenter(page);
}

async function openPresenter(page, url) {
  await page.setViewportSize(PROJECTOR);
  await page.goto(url);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.waitForSelector('#present-caption');
}

export async function presenter_mode_steps_through_a_lessons_key_moments_with_page_down_and_up({ page, baseUrl, screenshot }) {
  const scenario = presets()[LESSON];
  const report = await runNative(scenario, LESSON);
  await openPresenter(page, `${baseUrl}?present#lesson=${LESSON}`);
  assert.equal(await page.title(), `${scenario.title} · Replication Lab`, 'the tab names the scenario');
  for (const sel of ['.lab-side', '.lab-brief', '.app-header', '.settings', 'section.share']) {
    assert.equal(await page.isVisible(sel), false, `no side panel or page chrome in presenter mode (${sel})`);
  }
  let s = await readPresenter(page);
  assert.equal(s.now, 0, 'it opens at the start');
  assert.match(s.caption, /^Think about: \S/, 'before the first key moment the caption asks the lesson\'s question');
  const moments = s.moments;
  assert.ok(moments.length >= 2, `the lesson has key moments, known from the start: ${moments}`);
  assert.match(s.counter, new RegExp(`^Before the first of ${moments.length} key moments`));

  // Large type and a large cluster, readable from the back of the room.
  const sizes = await page.evaluate(() => {
    const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
    const svg = document.querySelector('#cluster svg').getBoundingClientRect();
    return { caption: px('#present-caption .text'), title: px('#cluster .cluster-head h1'), clock: px('.controls .clock'), svgH: svg.height, svgW: svg.width, scrollH: document.documentElement.scrollHeight };
  });
  assert.ok(sizes.caption >= 36, `caption type is large: ${sizes.caption}px`);
  assert.ok(sizes.title >= 40 && sizes.clock >= 40, `title and clock are large: ${sizes.title}px, ${sizes.clock}px`);
  assert.ok(sizes.svgH >= 0.5 * PROJECTOR.height, `the cluster takes at least half the screen's height: ${sizes.svgH}px`);
  assert.ok(sizes.scrollH <= PROJECTOR.height, `nothing below the fold: the page is ${sizes.scrollH}px tall`);

  // Forward through every key moment, alternating PageDown and →, as a remote sends them.
  const seen = [];
  for (let i = 0; i < moments.length; i++) {
    s = await pressUntilClock(page, i % 2 ? 'ArrowRight' : 'PageDown', moments[i]);
    assert.equal(s.counter, `Key moment ${i + 1} of ${moments.length}`);
    assert.ok(saysTheRunnersSentencesAt(report, moments[i], s.caption),
      `the caption at ${moments[i]} ms is the runner's sentences at that instant: ${s.caption}`);
    assert.equal(s.playing, false, 'it holds at the moment');
    assert.ok(!seen.includes(s.caption) || moments[i] !== moments[i - 1], 'each step shows a new moment');
    seen.push(s.caption);
    if (i === 0) {
      // docs/screenshots/present.png is a copy of this one.
      await screenshot('first-key-moment');
    }
  }
  // Past the last moment, PageDown changes nothing.
  await page.keyboard.press('PageDown');
  await page.waitForTimeout(300);
  assert.equal((await readPresenter(page)).now, moments.at(-1), 'nothing after the last key moment');
  // And back, alternating PageUp and ←, to the start.
  for (let i = moments.length - 2; i >= 0; i--) {
    s = await pressUntilClock(page, i % 2 ? 'ArrowLeft' : 'PageUp', moments[i]);
    assert.equal(s.counter, `Key moment ${i + 1} of ${moments.length}`);
    assert.equal(s.caption, seen[i], 'the same caption as on the way forward');
  }
  s = await pressUntilClock(page, 'PageUp', 0);
  assert.match(s.caption, /^Think about:/, 'back at the start, the question again');

  // Play goes on from a key moment and holds at the next one, as a lesson does.
  await pressUntilClock(page, 'PageDown', moments[0]);
  await page.keyboard.press(' ');
  await page.waitForFunction((t) => /^Key moment 2 /.test(document.querySelector('#present-caption .counter')?.textContent || ''), moments[1], { timeout: 20000 });
  s = await readPresenter(page);
  assert.equal(s.now, moments[1], 'Play from the first moment holds at the second');
  assert.equal(s.playing, false);

  // Escape leaves presenter mode, at the same instant, and the side panels come back.
  await page.keyboard.press('Escape');
  await page.waitForSelector('.lab-side', { state: 'visible' });
  assert.equal(new URL(page.url()).search, '', 'the query no longer asks for presenter mode');
  assert.equal((await readClock(page)).now, moments[1], 'the same instant in the lab');
  assert.equal(await page.$('#present-caption'), null);
  // And the lab's button goes back in.
  await page.click('#present');
  await page.waitForSelector('#present-caption');
  assert.match(new URL(page.url()).search, /present/, 'the query says presenter mode again, for a reload');
}

export async function presenter_mode_of_a_shared_link_steps_through_its_notable_events({ page, baseUrl }) {
  const scenario = presets()[LESSON];
  const report = await runNative(scenario, LESSON);
  const expected = [...new Set(report.events.filter((e) => e.notable && e.at_ms > 0).map((e) => e.at_ms))];
  assert.ok(expected.length >= 2, 'the run has notable events');
  await openPresenter(page, `${baseUrl}?present#preset=${LESSON}`);
  let s = await readPresenter(page);
  for (let i = 0; i < Math.min(expected.length, 4); i++) {
    s = await pressUntilClock(page, 'PageDown', expected[i]);
    assert.ok(saysTheRunnersSentencesAt(report, expected[i], s.caption), `the caption at ${expected[i]} ms: ${s.caption}`);
  }
  s = await pressUntilClock(page, 'PageUp', expected[Math.min(expected.length, 4) - 2]);
  assert.match(s.counter, /^Key moment \d+ of \d+$/);
}

/** Fills the Record form (instants in seconds, speed in hundredths) and presses Record. */
async function record(page, from, to, speed) {
  await page.click('.recorder summary');
  await page.fill('#record-from', String(from));
  await page.fill('#record-to', String(to));
  await page.selectOption('#record-speed', String(speed));
  await page.click('#record');
}

/** In the page: the clip at `url` in a <video>: its size, duration (seeking past the end when
 * MediaRecorder's file reports none), and whether a frame from its middle decodes to a picture. */
function inspectClip(url) {
  return (async () => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const once = (name) => new Promise((resolve, reject) => {
      video.addEventListener(name, resolve, { once: true });
      video.addEventListener('error', () => reject(new Error(`video error ${video.error?.code}: ${video.error?.message}`)), { once: true });
    });
    const loaded = once('loadedmetadata');
    video.src = url;
    await loaded;
    const reported = video.duration;
    if (!Number.isFinite(video.duration)) {
      // The standard workaround: a WebM from MediaRecorder has no duration in its header
      // until the player has seen its end.
      const known = once('durationchange');
      video.currentTime = 1e101;
      await known;
      while (!Number.isFinite(video.duration)) await once('durationchange');
    }
    const duration = video.duration;
    const seeked = once('seeked');
    video.currentTime = duration / 2;
    await seeked;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4 * 97) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    video.remove();
    return {
      size: bytes.length,
      magic: [...bytes.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      reported,
      duration,
      width: video.videoWidth,
      height: video.videoHeight,
      colours: colours.size,
    };
  })();
}

export async function a_recorded_clip_is_a_playable_webm_of_the_expected_duration({ page, baseUrl, screenshot }) {
  await page.goto(`${baseUrl}#preset=${LESSON}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  // From 1 s to 5 s of the run, at 2×: 2 s of video.
  const started = Date.now();
  await record(page, 1, 5, 200);
  await page.waitForSelector('#record-progress', { timeout: 5000 });
  const progress = await page.$eval('#record-progress', (p) => ({ max: Number(p.max), label: p.getAttribute('aria-label') }));
  assert.equal(progress.max, 4000, 'the bar runs over the 4 s of the run chosen');
  await page.waitForFunction(() => Number(document.getElementById('record-progress')?.value) > 0, null, { timeout: 5000 });
  await screenshot('recording');
  const href = await page.waitForSelector('#record-download', { timeout: 20000 }).then((a) => a.getAttribute('href'));
  const tookS = (Date.now() - started) / 1000;
  const download = await page.getAttribute('#record-download', 'download');
  assert.match(href, /^blob:/, 'offered as a Blob URL');
  assert.match(download, /\.webm$/, `a WebM file name: ${download}`);
  assert.equal((await readClock(page)).now >= 5000, true, 'the run was played to the clip\'s end');
  await screenshot('recorded');
  const clip = await page.evaluate(inspectClip, href);
  console.log(`    clip: ${JSON.stringify(clip)}`);
  assert.equal(clip.magic, '1a45dfa3', 'the file starts with the EBML (WebM) signature');
  assert.equal(clip.width, 1280);
  assert.equal(clip.height, 720);
  // 4 s of the run at 2× is 2 s of video. On a loaded machine the lab's frames come late and
  // it plays slower than asked (a frame advances the run by at most 100 ms of real time),
  // so the clip may last longer, but never longer than the recording took.
  assert.ok(clip.duration >= 1.7, `the clip lasts about 2 s or more: ${clip.duration} s`);
  // On a busy machine the page draws fewer frames and the run moves at most 100 ms a frame, so
  // the clip can last longer than 2 s, but never longer than the recording took.
  assert.ok(clip.duration <= tookS + 0.1, `and no longer than the ${tookS} s the recording took: ${clip.duration} s`);
  assert.ok(clip.colours > 8, `a frame from the middle decodes to a picture, not a blank (${clip.colours} colours)`);
}

export async function a_recording_can_be_cancelled({ page, baseUrl }) {
  await page.setViewportSize(PROJECTOR);
  await page.goto(`${baseUrl}?present#preset=${LESSON}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await record(page, 0, 6, 25);
  await page.waitForSelector('#record-cancel', { timeout: 5000 });
  await page.waitForFunction(() => Number(document.getElementById('record-progress')?.value) > 0, null, { timeout: 5000 });
  await page.click('#record-cancel');
  await page.waitForSelector('#record-progress', { state: 'detached', timeout: 5000 });
  const at = (await readClock(page)).now;
  await page.waitForTimeout(400);
  const later = await readClock(page);
  assert.equal(later.playing, false, 'cancelling stops the run');
  assert.equal(later.now, at, 'and it stays where it was');
  assert.equal(await page.$('#record-download'), null, 'no clip is offered');
  assert.equal(await page.isEnabled('#record'), true, 'Record can be pressed again');
}
