// Issue 3, the lab as a student uses it: an asynchronous leader that crashes loses writes it
// confirmed, and the lab lists them with the reason; synchronous replication loses none; a new
// follower is set up from a snapshot and catches up; and all of it works from the keyboard.
import assert from 'node:assert/strict';
import {
  openLab, readLab, waitForLab, playUntil, clickReplica, replica, leaderOf, summarise, sleep,
  scenarioFragment, sandboxScenario,
} from '../helpers.mjs';

/** Opens "Which, and why?" and returns the lost writes as listed: [{ id, status, detail }]. */
async function lostWritesListed(page) {
  await page.getByRole('button', { name: 'Which, and why?' }).click();
  await page.waitForSelector('#lost-list li');
  return page.$$eval('#lost-list li', (items) => items.map((li) => ({
    id: li.querySelector('.wid')?.textContent.trim(),
    status: li.querySelector('.status')?.textContent.trim(),
    detail: li.querySelector('.detail')?.textContent.trim(),
    lostClass: li.classList.contains('w-lost'),
  })));
}

/** Sets a number field in the settings form as a person would: type, then leave the field. */
async function setNumberField(page, selector, value) {
  await page.fill(selector, String(value));
  await page.press(selector, 'Tab'); // `change` fires when the field loses focus
}

/** Followers 300 ms apart, failover timeout 1 s (so a leader's lease survives the round trip). */
async function slowFollowers(page) {
  await setNumberField(page, '#timeout', 1000);
  await setNumberField(page, '#latency', 300);
  await waitForLab(page, () => true);
  assert.equal(await page.inputValue('#latency'), '300');
  assert.equal(await page.inputValue('#timeout'), '1000');
}

export async function async_failover_preset_loses_confirmed_writes_and_says_why({ page, baseUrl, screenshot }) {
  let s = await openLab(page, `${baseUrl}#preset=async-failover`);
  assert.equal(s.title, 'Asynchronous failover loses confirmed writes');
  assert.equal(s.lost, 0, 'nothing is lost before the run starts');
  assert.equal(s.playing, false, 'a lesson opens paused');

  await page.click('#play');
  // The preset crashes n1 at 1.5 s; a follower takes over after the failover timeout, and
  // the writes n1 confirmed in its last 100 ms are on no follower.
  s = await waitForLab(page, (x) => x.lost > 0, { timeout: 20000, what: 'the lost counter to become positive' });
  assert.equal(replica(s, 'n1').role === 'LEADER', false, `n1 no longer leads once writes are lost: ${summarise(s)}`);
  await page.click('#play'); // pause to read
  s = await waitForLab(page, (x) => !x.playing, { what: 'pause' });
  await screenshot('async-lost');

  const listed = await lostWritesListed(page);
  assert.equal(listed.length, s.lost, `"Which, and why?" lists every lost write (${listed.length} listed, counter ${s.lost})`);
  for (const w of listed) {
    assert.match(w.id, /^w\d+$/);
    assert.equal(w.status, 'lost');
    assert.ok(w.lostClass, `${w.id} is drawn as lost`);
    // "confirmed at 1492 ms, then lost: the leader confirmed it, then crashed before the new leader had it"
    assert.match(w.detail, /^confirmed at \d+ ms, then lost: \S.+/, `${w.id} says when it was confirmed and why it was lost: ${w.detail}`);
    assert.match(w.detail, /crash|replaced|discarded/, `${w.id}'s reason names the crash or the demotion: ${w.detail}`);
  }
  // Lost writes were confirmed before the crash at 1.5 s.
  for (const w of listed) {
    const at = Number(/confirmed at (\d+) ms/.exec(w.detail)[1]);
    assert.ok(at <= 1500, `${w.id} was confirmed (${at} ms) before n1 crashed at 1500 ms`);
  }
  await screenshot('async-lost-which-and-why');
}

export async function async_sandbox_crash_by_clicking_loses_writes({ page, baseUrl, screenshot }) {
  // The sandbox: async, one write every 200 ms. Followers 300 ms away from the leader, so a
  // write the leader confirms is on no follower for about 300 ms: a crash at any instant
  // catches at least one. The failover timeout goes up to 1 s with it, so that the leader's
  // lease (a round trip to a majority, 600 ms) holds and n1 leads steadily until the crash.
  let s = await openLab(page, baseUrl);
  assert.match(s.modePill, /^async/);
  await slowFollowers(page);
  await page.click('#play');
  s = await waitForLab(page, (x) => x.counts.confirmed >= 5 && replica(x, 'n2').position >= 3,
    { timeout: 20000, what: 'a few confirmed, replicated writes' });
  assert.equal(leaderOf(s)?.id, 'n1', `n1 leads before the crash: ${summarise(s)}`);
  await clickReplica(page, 'n1');
  await page.waitForSelector('.inspector h3:text("Replica n1")');
  await page.click('.inspector button:has-text("Crash")');
  s = await waitForLab(page, (x) => replica(x, 'n1').role === 'DOWN', { what: 'n1 drawn as DOWN' });
  assert.equal(s.lost, 0, 'nothing counts as lost while the crashed leader still holds the writes and no one else leads');
  await screenshot('sandbox-async-crashed');
  // Playback continues; a new leader is elected without the writes that were only on n1.
  s = await waitForLab(page, (x) => x.lost > 0 && leaderOf(x) && leaderOf(x).id !== 'n1',
    { timeout: 20000, what: 'a new leader and a positive lost counter' });
  await page.click('#play');
  await screenshot('sandbox-async-lost');
  const listed = await lostWritesListed(page);
  assert.ok(listed.length >= 1);
  for (const w of listed) assert.match(w.detail, /then lost: .*crash/, w.detail);
}

export async function sync_mode_loses_nothing_when_the_leader_crashes({ page, baseUrl, screenshot }) {
  let s = await openLab(page, baseUrl);
  await page.selectOption('#mode', 'sync');
  s = await waitForLab(page, (x) => /^sync\b/.test(x.modePill), { what: 'mode pill to say sync' });
  await slowFollowers(page); // the same slow followers as the async test
  // Record the lost counter on every change, so a brief positive value cannot slip by.
  await page.evaluate(() => {
    window.__maxLost = 0;
    const el = document.getElementById('lost-count');
    const seen = () => { window.__maxLost = Math.max(window.__maxLost, Number(document.getElementById('lost-count')?.textContent) || 0); };
    new MutationObserver(seen).observe(el.closest('section') || document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.click('#play');
  s = await waitForLab(page, (x) => x.counts.confirmed >= 3, { timeout: 20000, what: 'a few writes confirmed in sync mode' });
  const confirmedBefore = s.counts.confirmed;
  assert.equal(leaderOf(s)?.id, 'n1', `n1 leads before the crash: ${summarise(s)}`);
  await clickReplica(page, 'n1');
  await page.click('.inspector button:has-text("Crash")');
  s = await waitForLab(page, (x) => replica(x, 'n1').role === 'DOWN', { what: 'n1 drawn as DOWN' });
  // Continue past the failover.
  s = await waitForLab(page, (x) => leaderOf(x) && leaderOf(x).id !== 'n1', { timeout: 20000, what: 'a new leader' });
  const failoverAt = s.nowMs;
  s = await waitForLab(page, (x) => x.nowMs >= failoverAt + 1500, { timeout: 20000, what: 'the run to go on after the failover' });
  await page.click('#play');
  s = await waitForLab(page, (x) => !x.playing, { what: 'pause' });
  await screenshot('sync-no-loss');
  assert.equal(s.lost, 0, `sync mode: no confirmed write lost (${summarise(s)})`);
  assert.equal(await page.evaluate(() => window.__maxLost), 0, 'the lost counter never went above 0');
  assert.ok(s.counts.confirmed >= confirmedBefore, 'confirmed writes stay confirmed');
  assert.equal(await page.locator('button:has-text("Which, and why?")').count(), 0, 'no lost writes to explain');
}

export async function new_follower_copies_a_snapshot_then_catches_up({ page, baseUrl, screenshot }) {
  // A sandbox whose database already holds 3,000 rows: copying the snapshot at 2,000 rows/s
  // takes 1.5 s, long enough to watch the progress bar move.
  const link = `${baseUrl}#${scenarioFragment(sandboxScenario({ title: 'Sandbox with 3,000 rows', cluster: { initial_rows: 3000 } }))}`;
  let s = await openLab(page, link);
  assert.equal(s.replicas.length, 3);
  assert.equal(s.notice, null, 'the link opens without complaint');
  await page.click('#play');
  s = await waitForLab(page, (x) => leaderOf(x)?.position >= 3, { timeout: 15000, what: 'the leader to hold a few writes' });
  await page.click('text=+ Add follower');
  s = await waitForLab(page, (x) => replica(x, 'n4')?.role === 'NEW FOLLOWER', { what: 'n4 to appear as NEW FOLLOWER' });
  assert.ok(replica(s, 'n4').progress, `n4 shows a progress bar: ${summarise(s)}`);
  await screenshot('new-follower-added');

  // Watch the copy: the bar's value rises while the phase says "copying snapshot".
  const copying = new Set();
  let shot = false;
  s = await waitForLab(page, (x) => {
    const n4 = replica(x, 'n4');
    if (n4?.progress && /copying snapshot/.test(n4.progress.text)) copying.add(n4.progress.now);
    return n4?.role === 'FOLLOWER';
  }, { timeout: 20000, what: 'n4 to become a FOLLOWER' , interval: 40 });
  assert.ok(copying.size >= 2, `the progress bar moved while copying (values seen: ${[...copying].join(', ')})`);
  assert.equal(replica(s, 'n4').progress, null, 'no progress bar once it follows live');
  void shot;

  // It follows live: at some instant its log position equals the leader's.
  s = await waitForLab(page, (x) => {
    const n4 = replica(x, 'n4');
    const lead = leaderOf(x);
    return n4?.role === 'FOLLOWER' && lead && n4.position === lead.position && n4.position > 0;
  }, { timeout: 10000, what: "n4's position to equal the leader's" });
  await page.click('#play');
  const paused = await waitForLab(page, (x) => !x.playing, { what: 'pause' });
  const n4 = replica(paused, 'n4');
  const lead = leaderOf(paused);
  assert.ok(lead.position - n4.position <= 1, `paused: n4 at ${n4.position}, leader at ${lead.position}`);
  // The visible SVG text agrees with the aria-label.
  const posText = await page.locator('#cluster .replica', { has: page.locator('text.name', { hasText: /^n4$/ }) }).locator('text.position').textContent();
  assert.match(posText, new RegExp(`pos ${n4.position}$`));
  await screenshot('new-follower-caught-up');
}

export async function keyboard_only_play_select_crash_restart_pause({ page, baseUrl, screenshot }) {
  let s = await openLab(page, baseUrl);
  // Nothing focused yet but the page itself: keys go to the lab's shortcuts.
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true);
  await page.keyboard.press('Space');
  s = await waitForLab(page, (x) => x.playing && x.nowMs > 300, { what: 'Space to start playback' });

  await page.keyboard.press('1');
  s = await waitForLab(page, (x) => replica(x, 'n1').selected, { what: '1 to select n1' });
  assert.equal(await page.textContent('.inspector h3'), 'Replica n1', 'the inspector shows n1');

  await page.keyboard.press('c');
  s = await waitForLab(page, (x) => replica(x, 'n1').role === 'DOWN', { what: 'c to crash n1' });
  assert.match(replica(s, 'n1').label, /Replica n1: down/);
  await screenshot('keyboard-crashed');
  // Let a failover happen, then bring n1 back: it must rejoin (as a follower of the new leader).
  s = await waitForLab(page, (x) => leaderOf(x) && leaderOf(x).id !== 'n1', { timeout: 15000, what: 'a new leader' });
  await page.keyboard.press('s');
  s = await waitForLab(page, (x) => replica(x, 'n1').role !== 'DOWN', { what: 's to restart n1' });
  s = await waitForLab(page, (x) => replica(x, 'n1').role === 'FOLLOWER', { timeout: 10000, what: 'n1 to rejoin as FOLLOWER' });

  await page.keyboard.press('Space');
  s = await waitForLab(page, (x) => !x.playing, { what: 'Space to pause' });
  const clock = s.clock;
  await sleep(400);
  assert.equal((await readLab(page)).clock, clock, 'the clock stands still while paused');
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true, 'no control grabbed the focus');
  await screenshot('keyboard-restarted');
}

// Every message of one look is one path (so a frame creates no element per message): the
// pointer finds a message by where it is drawn. Hovering one names it; clicking one opens it
// in the inspector, and it is then drawn as the selected one.
export async function a_message_in_flight_can_be_hovered_and_selected({ page, baseUrl }) {
  const s = sandboxScenario({ title: 'Messages in flight', cluster: { nodes: 5 }, workload: { write_every_ms: 20 } });
  await openLab(page, `${baseUrl}#${scenarioFragment(s, 1200)}`);
  // A message's centre on screen that no replica box covers, with its look.
  const target = await page.evaluate(() => {
    const radius = (cls) => (cls.includes('msg-append') ? 7 : cls.includes('msg-ack') ? 4.5 : cls.includes('msg-heartbeat') ? 3 : 5);
    for (const p of document.querySelectorAll('#cluster g.messages path.msg')) {
      const cls = p.getAttribute('class');
      for (const m of p.getAttribute('d').matchAll(/M(-?[\d.]+),(-?[\d.]+)/g)) {
        const svg = p.ownerSVGElement;
        const q = svg.createSVGPoint();
        q.x = Number(m[1]) + radius(cls);
        q.y = Number(m[2]);
        const at = q.matrixTransform(svg.getScreenCTM());
        if (document.elementFromPoint(at.x, at.y) === p) return { x: at.x, y: at.y, cls };
      }
    }
    return null;
  });
  assert.ok(target, 'at 1.2 s some message is in flight in the open');
  const kind = /msg-(\w+)/.exec(target.cls)[1];
  await page.mouse.move(target.x, target.y);
  await page.waitForFunction(() => document.querySelector('#cluster g.messages > title')?.textContent, null, { timeout: 5000 });
  const tooltip = await page.$eval('#cluster g.messages > title', (t) => t.textContent);
  assert.match(tooltip, /^\S+ n\d → [nc]\d: /, `the tooltip names the message: ${tooltip}`);
  await page.mouse.click(target.x, target.y);
  await page.waitForSelector('section.inspector h3, section.inspector h4', { timeout: 5000 });
  const inspector = await page.$eval('section.inspector', (el) => el.innerText);
  assert.match(inspector, /Message: /, `the inspector shows the message: ${inspector.slice(0, 120)}`);
  assert.match(inspector, /sent at[\s\S]*arrives at/, 'with when it was sent and when it arrives');
  assert.equal(await page.locator(`#cluster g.messages path.msg-${kind}.selected`).count(), 1, 'the chosen message is drawn as selected');
  // Away from every message: no tooltip.
  await page.mouse.move(2, 2);
  await page.waitForFunction(() => !document.querySelector('#cluster g.messages > title'), null, { timeout: 5000 });
}
