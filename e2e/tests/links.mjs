// Issue 4, links: "Copy link" gives a short link that replays the run to the same instant and
// stops there, in a fresh browser; malformed, hostile or future links load the sandbox with a
// notice saying what was wrong, never the panic panel, and never freeze the tab.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepOnLoopback } from '../browser.mjs';
import {
  openLab, readLab, waitForLab, playUntil, clickReplica, replica, summarise, sleep,
  scenarioFragment, sandboxScenario, packLink, unpackFragment,
} from '../helpers.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

/** What must be identical when a link replays a run: clock, counters, every replica box. */
const picture = (s) => ({
  title: s.title,
  clock: s.clock,
  lost: s.lost,
  counts: s.counts,
  replicas: s.replicas.map((r) => `${r.role} | ${r.label}`),
});

/** Presses "Copy link" and returns { link, label, clipboard } (clipboard null if refused). */
async function copyLink(page) {
  await page.click('#copy-link');
  await page.waitForSelector('#share-text');
  // The label changes once the clipboard has answered, either way.
  await page.waitForFunction(() => /copied|Select the link/.test(document.querySelector('label[for=share-text]')?.textContent || ''));
  const link = await page.inputValue('#share-text');
  const label = await page.textContent('label[for=share-text]');
  const clipboard = /copied/.test(label) ? await page.evaluate(() => navigator.clipboard.readText().catch(() => null)) : null;
  return { link, label, clipboard };
}

/** Opens `link` in a new browser context (no shared storage), as someone receiving it. */
async function openElsewhere(browser, link) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const blocked = [];
  await keepOnLoopback(context, blocked);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const state = await openLab(page, link);
  return { context, page, state, blocked, errors };
}

async function checkReplays({ browser, link, expected, label }) {
  const other = await openElsewhere(browser, link);
  try {
    let s = await waitForLab(other.page, (x) => x.clock === expected.clock, { timeout: 10000, what: `the link to replay to ${expected.clock}` });
    assert.deepEqual(picture(s), picture(expected), 'the link replays to the same instant: clock, lost count, counts, replicas');
    assert.equal(s.playing, false, 'it is paused there');
    assert.equal(s.notice, null, 'it opens without a notice');
    await sleep(500);
    s = await readLab(other.page);
    assert.equal(s.clock, expected.clock, 'and stays paused');
    await other.page.screenshot({ path: path.join(artifacts, `links--${label}.png`), fullPage: true });
    assert.deepEqual(other.blocked, []);
    assert.deepEqual(other.errors, []);
  } finally {
    await other.context.close();
  }
}

export async function copy_link_of_a_lesson_replays_to_the_same_instant({ page, context, browser, baseUrl, screenshot }) {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });
  await openLab(page, `${baseUrl}#preset=async-failover`);
  // n3 leads from 3,038 ms; from then on n1's last confirmed writes are lost.
  const s = await playUntil(page, 3300);
  assert.ok(s.lost > 0, `by now writes are lost: ${summarise(s)}`);
  const { link, clipboard } = await copyLink(page);
  assert.ok(link.startsWith(`${baseUrl}#preset=async-failover&t=`), `a lesson's link names it: ${link}`);
  assert.equal(link, `${baseUrl}#preset=async-failover&t=${s.nowMs}`, 'and the instant on the clock');
  assert.ok(link.length < 2000, `${link.length} characters`);
  if (clipboard !== null) assert.equal(clipboard, link, 'the clipboard holds the link');
  assert.equal(page.url(), link, 'the address bar holds the link too');
  await screenshot('lesson-link');
  await checkReplays({ browser, link, expected: s, label: 'lesson-link-opened-elsewhere' });
}

export async function copy_link_of_a_sandbox_run_with_actions_replays_it({ page, browser, baseUrl, screenshot }) {
  // No clipboard permission here: the selectable text is the fallback that always works.
  let s = await openLab(page, baseUrl);
  await page.click('#play');
  await waitForLab(page, (x) => x.nowMs >= 800, { what: 'some writes' });
  await clickReplica(page, 'n2');
  await page.click('.inspector button:has-text("Crash")');
  await waitForLab(page, (x) => replica(x, 'n2').role === 'DOWN', { what: 'n2 down' });
  await waitForLab(page, (x) => x.nowMs >= 1800, { what: 'time to pass' });
  await page.click('.inspector button:has-text("Restart")');
  await waitForLab(page, (x) => replica(x, 'n2').role !== 'DOWN', { what: 'n2 back' });
  await page.click('text=+ Add follower');
  await waitForLab(page, (x) => replica(x, 'n4'), { what: 'n4 added' });
  await page.fill('#write-key', 'colour');
  await page.fill('#write-value', 'teal');
  await page.click('.write-form button[type=submit]');
  await waitForLab(page, (x) => x.nowMs >= 3200, { what: 'time to pass' });
  await page.click('#play');
  s = await waitForLab(page, (x) => !x.playing, { what: 'pause' });

  const { link, label } = await copyLink(page);
  assert.match(label, /copied|Select the link and copy it/, 'the box says what to do with the link');
  assert.ok(link.startsWith(`${baseUrl}#s=1.`), `a changed run is encoded: ${link.slice(0, 80)}…`);
  assert.match(link, new RegExp(`&t=${s.nowMs}$`), 'with the instant on the clock');
  assert.ok(link.length < 2000, `a sandbox run with a few actions gives ${link.length} characters, under 2,000`);
  // The text is selectable for a manual copy.
  await page.focus('#share-text');
  const selected = await page.evaluate(() => { const t = document.getElementById('share-text'); return t.selectionEnd - t.selectionStart; });
  assert.equal(selected, link.length, 'focusing the field selects the whole link');
  const scenario = unpackFragment(link);
  const actions = scenario.events.map((e) => e.action);
  for (const a of ['crash', 'restart', 'add_follower', 'write']) assert.ok(actions.includes(a), `the link records the ${a} (${actions.join(', ')})`);
  assert.ok(scenario.events.some((e) => e.action === 'write' && e.key === 'colour' && e.value === 'teal'));
  await screenshot('sandbox-link');

  await checkReplays({ browser, link, expected: s, label: 'sandbox-link-opened-elsewhere' });
}

/** Loads `fragment` as a fresh page and checks the notice, the fallback and responsiveness. */
async function expectRefused(page, baseUrl, fragment, pattern, screenshot, name) {
  await page.goto('about:blank'); // a fragment-only change would not reload the app
  const t0 = Date.now();
  await page.goto(`${baseUrl}#${fragment}`, { timeout: 15000 });
  await page.waitForSelector('#notice', { timeout: 15000 });
  const loadMs = Date.now() - t0;
  let s = await readLab(page);
  assert.ok(s.notice.error, `${name}: the notice is marked as an error`);
  assert.match(s.notice.text, /^This link could not be opened: .+ The sandbox is loaded instead\.$/, `${name}: ${s.notice.text}`);
  assert.match(s.notice.text, pattern, `${name}: the notice says what was wrong: ${s.notice.text}`);
  assert.equal(s.panic, false, `${name}: no panic panel`);
  assert.equal(await page.getAttribute('#notice', 'role'), 'status', `${name}: a polite status, not a modal`);
  assert.equal(s.title, 'Asynchronous replication', `${name}: the sandbox is loaded`);
  assert.equal(s.replicas.length, 3);
  assert.equal(s.endMs, 60000);
  assert.ok(loadMs < 10000, `${name}: opened in ${loadMs} ms`);
  await screenshot(`refused-${name}`);
  // Still responsive: a page script answers promptly, and the lab plays from the keyboard.
  const answered = await Promise.race([page.evaluate(() => 'ok'), sleep(3000).then(() => 'frozen')]);
  assert.equal(answered, 'ok', `${name}: the tab answers`);
  await page.keyboard.press('Space');
  s = await waitForLab(page, (x) => x.nowMs > 0, { timeout: 5000, what: `${name}: the sandbox to play` });
  await page.keyboard.press('Space');
  // The notice can be dismissed.
  await page.click('#notice button[aria-label="Dismiss this message"]');
  await page.waitForSelector('#notice', { state: 'detached' });
  return loadMs;
}

export async function malformed_links_load_the_sandbox_with_a_notice({ page, baseUrl, screenshot }) {
  const good = scenarioFragment(sandboxScenario({ title: 'A good scenario' }), 1000);
  const cases = [
    ['truncated-half', good.slice(0, Math.floor(good.length / 2)), /damaged or cut short/],
    ['truncated-end', good.replace(/&t=.*$/, '').slice(0, -7), /damaged or cut short/],
    ['future-version', 's=9.AAAA', /made by a newer Replication Lab/],
    ['500-replicas', scenarioFragment(sandboxScenario({ cluster: { nodes: 500 } })), /cluster\.nodes.*500/],
    ['12-replicas', scenarioFragment(sandboxScenario({ cluster: { nodes: 12 } })), /cluster\.nodes: 12 is out of range 2 to 9/],
    ['negative-latency', scenarioFragment(sandboxScenario({ cluster: { latency_ms: -5 } })), /cluster\.latency_ms.*-5/],
    ['not-json', `s=${packLink('this is not json')}`, /not valid/],
  ];
  const times = {};
  for (const [name, fragment, pattern] of cases) {
    times[name] = await expectRefused(page, baseUrl, fragment, pattern, screenshot, name);
  }
  console.log(`    load times with a refused link (ms): ${JSON.stringify(times)}`);
}

export async function links_that_inflate_to_megabytes_or_are_huge_are_refused_quickly({ page, baseUrl, screenshot }) {
  // 4 MB of spaces deflate to a few KB: a short link that would inflate to megabytes.
  const spaces = `s=${packLink(' '.repeat(4 * 1024 * 1024))}`;
  // A JSON scenario whose title alone is 3 MB.
  const bigTitle = `s=${packLink(JSON.stringify(sandboxScenario({ title: 'x'.repeat(3 * 1024 * 1024) })))}`;
  assert.ok(spaces.length < 20000 && bigTitle.length < 20000, `links of ${spaces.length} and ${bigTitle.length} characters`);
  const times = {};
  times.spaces = await expectRefused(page, baseUrl, spaces, /larger than 256 KB/, screenshot, 'inflates-to-4MB');
  times.bigTitle = await expectRefused(page, baseUrl, bigTitle, /larger than 256 KB/, screenshot, 'title-of-3MB');
  times.long = await expectRefused(page, baseUrl, `s=1.${'A'.repeat(70000)}`, /characters long/, screenshot, '70000-characters');
  console.log(`    load times (ms): ${JSON.stringify(times)}`);
}

export async function a_second_link_opened_in_the_same_tab_is_loaded({ page, baseUrl }) {
  // Pasting another link into the address bar of a tab where the lab is open changes only
  // the fragment: the browser does not reload the page, so the app must follow `hashchange`.
  let s = await openLab(page, `${baseUrl}#preset=async-failover`);
  assert.equal(s.title, 'Asynchronous failover loses confirmed writes');
  await page.goto(`${baseUrl}#preset=split-brain&t=2600`);
  s = await waitForLab(page, (x) => x.title === 'Split brain without fencing', {
    timeout: 5000,
    what: 'the lab to load the second link (split-brain at 2.6 s); it still shows the first one, so a later "Copy link" would hand out the old run',
  });
  assert.equal(s.nowMs, 2600);
}
