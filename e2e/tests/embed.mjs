// Issue 4, embedding: a course page at /course/unit1/ embeds the lab from /course/unit1/lab/
// in an iframe. The compact embed shows the cluster, timeline and controls without scrolling
// even at 360×400, is labelled for assistive technology, works from the keyboard, announces
// notable events, and loads nothing but its own files. The "Embed" button's snippet works.
import assert from 'node:assert/strict';
import { readLab, waitForLab, summarise, scenarioFragment, sandboxScenario, sleep } from '../helpers.mjs';

const coursePage = ({ src, width, height, title = 'Replication Lab' }) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unit 1: Leaders and followers</title></head>
<body style="margin:0;padding:12px;font-family:sans-serif">
  <h1 style="font-size:1.2rem;margin:0 0 8px">Unit 1: Leaders and followers</h1>
  <p style="margin:0 0 8px">Read section 5.1, then try it. <a href="#after">Skip the lab</a></p>
  <iframe id="lab" src="${src}" title="${title}" width="${width}" height="${height}" style="border:1px solid #888"></iframe>
  <p id="after">Questions for the seminar.</p>
</body></html>`;

/** Serves dist/ at /course/unit1/lab/ and the course page at /course/unit1/. */
async function openCourse({ page, serveAt }, frame) {
  const server = await serveAt('/course/unit1/lab/', { '/course/unit1/': { body: coursePage(frame) } });
  const requests = [];
  const failures = [];
  page.on('request', (r) => requests.push({ url: r.url(), frame: r.frame()?.url() ?? '' }));
  page.on('response', (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => failures.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(`${server.origin}/course/unit1/`);
  const handle = await page.waitForSelector('iframe#lab');
  const lab = await handle.contentFrame();
  await lab.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  return { server, lab, handle, requests, failures };
}

/** Rectangles of the parts a reader needs, inside the frame's own viewport. */
function layoutInFrame(lab) {
  return lab.evaluate(() => {
    const rect = (sel) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
    };
    return {
      innerWidth, innerHeight,
      scrollWidth: document.documentElement.scrollWidth,
      scrollY,
      header: !!document.querySelector('header, .app-header'),
      parts: {
        cluster: rect('#cluster svg'),
        title: rect('#cluster .cluster-head :is(h1, h2)'),
        timeline: rect('#timeline'),
        back: rect('.timebar > button:first-child'),
        play: rect('#play'),
        clock: rect('.controls .clock'),
        lost: rect('#lost-count'),
        openFull: rect('a.open-full'),
      },
    };
  });
}

/** Problems with the layout (empty when all is well), so a test can report them all at once. */
function layoutProblems(layout, size) {
  const problems = [];
  const check = (ok, message) => { if (!ok) problems.push(message); };
  check(!layout.header, `${size}: no page header in the embed`);
  check(layout.scrollWidth <= layout.innerWidth, `${size}: no horizontal scrolling (document ${layout.scrollWidth}px wide in a ${layout.innerWidth}px frame)`);
  for (const [name, r] of Object.entries(layout.parts)) {
    if (!r || !(r.width > 0 && r.height > 0)) { problems.push(`${size}: ${name} is missing or has no size`); continue; }
    check(r.top >= 0 && r.left >= 0 && r.bottom <= layout.innerHeight + 0.5 && r.right <= layout.innerWidth + 0.5,
      `${size}: ${name} lies inside the frame without scrolling: ${JSON.stringify(r)} in ${layout.innerWidth}×${layout.innerHeight}`);
  }
  if (layout.parts.cluster) check(layout.parts.cluster.height >= 100, `${size}: the cluster drawing is big enough to read (${layout.parts.cluster.height}px high)`);
  return problems;
}

function assertOwnFilesOnly(requests, failures, origin) {
  assert.deepEqual(failures, [], 'every request succeeded');
  const foreign = requests.filter((r) => !r.url.startsWith(`${origin}/course/unit1/`));
  assert.deepEqual(foreign, [], 'no request leaves the course site');
  const labRequests = requests.filter((r) => r.frame.includes('/course/unit1/lab/'));
  assert.ok(labRequests.length > 0);
  for (const r of labRequests) {
    assert.ok(r.url.startsWith(`${origin}/course/unit1/lab/`), `the lab loads only its own files, from its sub-path: ${r.url}`);
  }
}

export async function embed_at_360x400_shows_everything_and_works_from_the_keyboard(ctx) {
  const { page, screenshot } = ctx;
  await page.setViewportSize({ width: 420, height: 560 });
  const { server, lab, handle, requests, failures } = await openCourse(ctx, { src: 'lab/?embed#preset=split-brain&t=2600', width: 360, height: 400 });

  // The iframe is labelled, and not hidden from assistive technology.
  assert.equal(await handle.getAttribute('title'), 'Replication Lab');
  assert.equal(await handle.getAttribute('aria-hidden'), null, 'the frame is not aria-hidden');
  assert.equal(await page.evaluate(() => document.getElementById('lab').closest('[aria-hidden="true"]')), null);

  let s = await readLab(lab);
  assert.equal(s.title, 'Split brain without fencing');
  assert.equal(s.nowMs, 2600, `opens at t=2600: ${summarise(s)}`);
  assert.equal(s.playing, false, 'an embed opens paused (no autoplay asked for)');
  const layout = await layoutInFrame(lab);
  assert.equal(layout.innerWidth, 360);
  assert.equal(layout.innerHeight, 400);
  // Layout problems are collected and reported at the end, so the keyboard checks still run.
  const deferred = layoutProblems(layout, '360×400');
  assert.match(await lab.getAttribute('#cluster', 'aria-label'), /Replication Lab: Split brain without fencing/, 'the embed names itself');
  await screenshot('course-360x400');

  // Keyboard, inside the frame: focus it (a click on its title), then Space plays.
  const before = s.announcer;
  assert.ok(await lab.$('#announcer[aria-live="polite"]'), 'a polite live region');
  await lab.click('#cluster .cluster-head :is(h1, h2)');
  await page.keyboard.press('Space');
  s = await waitForLab(lab, (x) => x.playing && x.nowMs > 2600, { what: 'Space in the frame to play' });
  // The heal at 3.5 s makes n1 step down and its writes lost: notable events, announced.
  s = await waitForLab(lab, (x) => x.announcer && x.announcer !== before && /^\d+ ms: /.test(x.announcer),
    { timeout: 15000, what: 'the live region to announce a new notable event' });
  const announced = s.announcer;
  await page.keyboard.press('Space');
  s = await waitForLab(lab, (x) => !x.playing, { what: 'Space to pause' });
  console.log(`    announced: "${announced}"`);
  await screenshot('course-360x400-played');

  // And without a mouse at all: Tab from the course page into the frame, to its Play button.
  await page.goto('about:blank');
  await page.goto(`${server.origin}/course/unit1/`);
  const frame2 = await (await page.waitForSelector('iframe#lab')).contentFrame();
  await frame2.waitForSelector('#cluster svg .replica');
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await frame2.evaluate(() => document.hasFocus() && document.activeElement?.id === 'play');
  }
  assert.ok(reached, 'Tab reaches the Play button inside the frame');
  await page.keyboard.press('Space');
  await waitForLab(frame2, (x) => x.playing, { what: 'Space on the focused Play button to play' });
  await page.keyboard.press('Space');
  await waitForLab(frame2, (x) => !x.playing, { what: 'and to pause' });

  assertOwnFilesOnly(requests, failures, server.origin);
  assert.deepEqual(deferred, [], 'the embed fits 360×400');
}

export async function embed_at_800x560({ page, serveAt, screenshot }) {
  await page.setViewportSize({ width: 900, height: 700 });
  const { server, lab, requests, failures } = await openCourse({ page, serveAt }, { src: 'lab/?embed#preset=split-brain&t=2600', width: 800, height: 560 });
  const s = await readLab(lab);
  assert.equal(s.title, 'Split brain without fencing');
  assert.equal(s.nowMs, 2600);
  const layout = await layoutInFrame(lab);
  assert.equal(layout.innerWidth, 800);
  assert.deepEqual(layoutProblems(layout, '800×560'), []);
  // Two leaders at 2.6 s, both drawn.
  const leaders = s.replicas.filter((r) => r.role === 'LEADER').map((r) => r.id);
  assert.equal(leaders.length, 2, `split brain: two replicas drawn as leader at 2.6 s (${leaders.join(', ')})`);
  await screenshot('course-800x560');
  assertOwnFilesOnly(requests, failures, server.origin);
}

export async function a_shared_scenario_link_inside_the_iframe({ page, serveAt, screenshot }) {
  await page.setViewportSize({ width: 900, height: 700 });
  const scenario = sandboxScenario({
    title: 'Course: five replicas, semi-synchronous',
    cluster: { nodes: 5, mode: 'semi-sync', latency_ms: 80 },
    workload: { write_every_ms: 100 },
    events: [{ at_ms: 1000, action: 'crash', node: 'n2' }],
  });
  const fragment = scenarioFragment(scenario, 1500);
  const { server, lab } = await openCourse({ page, serveAt }, { src: `lab/?embed#${fragment}`, width: 800, height: 560 });
  const s = await readLab(lab);
  assert.equal(s.notice, null, `no notice: ${JSON.stringify(s.notice)}`);
  assert.equal(s.title, 'Course: five replicas, semi-synchronous');
  assert.equal(s.replicas.length, 5);
  assert.equal(s.nowMs, 1500);
  assert.equal(s.playing, false);
  assert.equal(s.replicas.find((r) => r.id === 'n2').role, 'DOWN', 'n2 crashed at 1 s, as the link says');
  assert.ok(s.replicas.some((r) => r.role === 'LEADER'));
  // "Open in the full lab" opens the same run, without ?embed, in a new tab.
  const open = lab.locator('a.open-full');
  assert.equal(await open.getAttribute('target'), '_blank');
  assert.match(await open.getAttribute('rel'), /noopener/);
  const href = await open.getAttribute('href');
  assert.ok(href.startsWith(`${server.origin}/course/unit1/lab/#s=1.`), `full-lab link: ${href.slice(0, 90)}…`);
  assert.ok(!href.includes('embed'), 'the full lab, not the embed');
  assert.ok(href.endsWith('&t=1500'));
  await screenshot('course-shared-link');
}

export async function embed_button_gives_a_working_iframe_snippet({ page, serveAt, screenshot }) {
  const labServer = await serveAt('/course/unit1/lab/');
  await page.goto(`${labServer.url}#preset=split-brain`);
  await page.waitForSelector('#cluster svg .replica');
  await page.fill('#timeline', '2600');
  await waitForLab(page, (x) => x.nowMs === 2600, { what: 'seek to 2.6 s' });
  await page.click('#embed');
  await page.waitForSelector('#share-text');
  const snippet = await page.inputValue('#share-text');
  assert.match(snippet, /^<iframe /, `a snippet: ${snippet}`);
  assert.match(snippet, /title="Replication Lab: Split brain without fencing"/);
  assert.match(snippet, /loading="lazy"/);
  const src = /src="([^"]+)"/.exec(snippet)?.[1];
  assert.equal(src, `${labServer.url}?embed#preset=split-brain&t=2600`, 'it embeds this lesson at this instant, from where the lab is served');
  await screenshot('embed-snippet');

  // Paste it into another course page (another origin): it shows the lesson at 2.6 s.
  const other = await serveAt('/elsewhere/', { '/elsewhere/course.html': { body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Another course</title></head><body>${snippet}</body></html>` } });
  await page.goto(`${other.origin}/elsewhere/course.html`);
  const handle = await page.waitForSelector('iframe');
  await handle.scrollIntoViewIfNeeded(); // loading="lazy"
  const frame = await handle.contentFrame();
  await frame.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  const s = await readLab(frame);
  assert.equal(s.title, 'Split brain without fencing');
  assert.equal(s.nowMs, 2600);
  assert.equal(await frame.$('header'), null);
  await sleep(100);
  await screenshot('embed-snippet-pasted');
}

// The embed loads the lean build (the app without its full-lab pages and panels), and only
// that one; the full lab, and an embed of the compare view, load the full build. The lean
// build is what keeps the embed under its byte budget (see the README's bundle table).
export async function the_embed_loads_the_lean_build_and_the_full_lab_the_full_one({ page, serveAt }) {
  const server = await serveAt('/');
  const loaded = [];
  page.on('response', (r) => { if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) loaded.push(new URL(r.url()).pathname); });
  const builds = () => {
    const wasm = loaded.filter((p) => p.endsWith('.wasm'));
    return {
      lean: wasm.filter((p) => p.includes('replication-lab-embed-')).length,
      full: wasm.filter((p) => !p.includes('replication-lab-embed-')).length,
    };
  };
  const open = async (url, selector) => {
    loaded.length = 0;
    await page.goto(`${server.origin}/${url}`);
    await page.waitForSelector(selector, { timeout: 20000 });
    return builds();
  };
  assert.deepEqual(await open('?embed#preset=async-failover', '#cluster svg .replica'), { lean: 1, full: 0 }, '?embed loads only the lean build');
  let s = await readLab(page);
  assert.equal(s.title, 'Asynchronous failover loses confirmed writes');
  assert.deepEqual(await open('#preset=async-failover&embed', '#cluster svg .replica'), { lean: 1, full: 0 }, 'embed in the fragment: the lean build');
  assert.deepEqual(await open('?embed=0#preset=async-failover', '#cluster svg .replica'), { lean: 0, full: 1 }, 'embed=0 is the full lab');
  assert.ok(await page.locator('.app-header').count() > 0, 'the full lab has its header');
  assert.deepEqual(await open('#preset=async-failover', '#cluster svg .replica'), { lean: 0, full: 1 }, 'the full lab loads the full build');
  assert.deepEqual(await open('?embed#compare=async,sync&preset=async-failover', '.compare .compare-panel'), { lean: 0, full: 1 }, 'an embedded comparison needs the full build');
}
