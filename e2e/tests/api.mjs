// Issue 15, the embed's message API: the demo course page (dist/course-demo.html) frames the lab
// with `?embed&api`, drives it with postMessage and lists what it hears. Every command is
// checked in the iframe's drawing; the async-failover lesson's events arrive in the order the
// chapter tells it, and the lost writes are the runner's; a malformed message is answered with
// an `error` naming the field and changes nothing; a window that is not the parent is ignored.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLab, waitForLab, unpackFragment, sleep } from '../helpers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// What the command-line runner reports, computed once when this file is loaded (outside the
// tests' time limit): the lesson's lost writes, and the summary of split-brain at 2 s.
const runner = (args) => execFileSync('cargo', ['run', '-q', '-p', 'replication-sim', '--bin', 'scenario', '--', ...args],
  { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
const asyncReport = JSON.parse(runner(['run', 'scenarios/async-failover.json', '--json']));
const splitBrainAt2s = runner(['run', 'scenarios/split-brain.json', '--until', '2000']);

/** Opens the demo course page and waits for the lab's `ready`. Returns { lab } (the frame). */
async function openDemo({ page, baseUrl }) {
  await page.goto(`${baseUrl}course-demo.html`);
  const handle = await page.waitForSelector('iframe#lab');
  const lab = await handle.contentFrame();
  await lab.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await waitForEvent(page, (e) => e.event === 'ready', 'the lab to say it is ready');
  return { lab };
}

const received = (page) => page.evaluate(() => window.labEvents.slice());

/** Waits for an event matching `pred` among those received after the first `from`. */
async function waitForEvent(page, pred, what, from = 0, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const all = await received(page);
    const hit = all.slice(from).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(all.slice(from).filter((e) => e.event !== 'time'))}`);
    }
    await sleep(50);
  }
}

const send = (page, command) => page.evaluate((c) => window.sendToLab(c), command);
const openFull = (lab) => lab.evaluate(() => document.querySelector('a.open-full')?.href ?? '');

export async function every_command_has_its_effect_in_the_drawing(ctx) {
  const { page } = ctx;
  const { lab } = await openDemo(ctx);
  let s = await readLab(lab);
  assert.equal(s.nowMs, 0);
  assert.equal(s.playing, false);

  // play: the clock runs; `time` events come, at most 4 a second.
  let n = (await received(page)).length;
  await page.click('#do-play');
  s = await waitForLab(lab, (x) => x.playing && x.nowMs > 300, { what: 'the lab to play' });
  const t0 = Date.now();
  await sleep(1500);
  // pause: the clock holds, and no more `time` events.
  await page.click('#do-pause');
  const paused = await waitForLab(lab, (x) => !x.playing, { what: 'the lab to pause' });
  const wall = Date.now() - t0;
  let evs = (await received(page)).slice(n);
  const times = evs.filter((e) => e.event === 'time');
  assert.ok(times.length >= 2, `time events while playing: ${times.length}`);
  assert.ok(times.length <= Math.ceil(wall / 250) + 2, `at most 4 time events a second: ${times.length} in ${wall} ms`);
  for (let i = 1; i < times.length; i++) assert.ok(times[i].t_ms > times[i - 1].t_ms, 'time moves on');
  n = (await received(page)).length;
  await sleep(600);
  assert.equal((await readLab(lab)).nowMs, paused.nowMs, 'paused: the clock holds');
  assert.deepEqual((await received(page)).slice(n).filter((e) => e.event === 'time'), [], 'no time events while paused');

  // seek: the drawing shows 1.400 s.
  await page.click('#do-seek');
  const at1400 = await waitForLab(lab, (x) => x.nowMs === 1400, { what: 'the seek to 1.4 s' });
  // step forward and back: one event each way.
  await page.click('#do-step');
  const stepped = await waitForLab(lab, (x) => x.svgHash !== at1400.svgHash, { what: 'a step forward to change the drawing' });
  assert.ok(stepped.nowMs >= 1400);
  await page.click('#do-step-back');
  const back = await waitForLab(lab, (x) => x.svgHash !== stepped.svgHash, { what: 'a step back' });
  assert.ok(back.nowMs <= stepped.nowMs);

  // act: crash n1 as a click would; the drawing shows it down, and the share link records it.
  n = (await received(page)).length;
  await page.click('#do-crash');
  s = await waitForLab(lab, (x) => x.replicas.find((r) => r.id === 'n1')?.role === 'DOWN', { what: 'n1 to be drawn down' });
  const crash = await waitForEvent(page, (e) => e.event === 'crash', 'the crash event', n);
  assert.equal(crash.node, 'n1');
  await lab.waitForFunction(() => /#.*s=/.test(document.querySelector('a.open-full')?.href ?? ''));
  const recorded = unpackFragment(await openFull(lab));
  assert.ok(recorded.events.some((e) => e.action === 'crash' && e.node === 'n1' && e.at_ms < 1500),
    `the crash is in the share link: ${JSON.stringify(recorded.events)}`);

  // lesson: a fresh run of the lesson, n1 up again at 0 s.
  n = (await received(page)).length;
  await page.click('#do-lesson');
  const ready = await waitForEvent(page, (e) => e.event === 'ready', 'ready for the lesson', n);
  assert.equal(ready.lesson, 'async-failover');
  s = await waitForLab(lab, (x) => x.nowMs === 0 && x.replicas.every((r) => r.role !== 'DOWN'), { what: 'the lesson from the start' });
  assert.equal(s.title, ready.title);

  // load a scenario object.
  n = (await received(page)).length;
  await page.click('#do-load');
  const loaded = await waitForEvent(page, (e) => e.event === 'ready', 'ready for the loaded scenario', n);
  assert.equal(loaded.title, 'Synchronous: nothing is lost');
  assert.equal(loaded.lesson, null);
  await waitForLab(lab, (x) => x.title === 'Synchronous: nothing is lost', { what: 'the loaded scenario drawn' });

  // load a link.
  n = (await received(page)).length;
  await page.click('#do-link');
  const linked = await waitForEvent(page, (e) => e.event === 'ready', 'ready for the link', n);
  s = await waitForLab(lab, (x) => x.title === linked.title, { what: 'the linked scenario drawn' });
  assert.match(linked.title, /split brain/i);

  // get: the runner's summary, at the instant the drawing shows.
  await send(page, { command: 'seek', t_ms: 2000 });
  s = await waitForLab(lab, (x) => x.nowMs === 2000, { what: 'the seek to 2 s' });
  n = (await received(page)).length;
  await page.click('#do-get');
  const state = await waitForEvent(page, (e) => e.event === 'state', 'the state', n);
  assert.equal(state.t_ms, 2000);
  assert.equal(state.report.lost_writes.length, s.lost, 'as many lost writes as the drawing counts');
  assert.equal(state.report.summary.trim(), splitBrainAt2s.trim(), 'the same summary as `scenario run --until 2000`');
  assert.equal(await page.textContent('#state'), state.report.summary);
}

export async function the_async_failover_lesson_tells_its_story_in_order(ctx) {
  const { page } = ctx;
  const { lab } = await openDemo(ctx);
  // Fastest playback, as a keyboard user sets the slider in the frame.
  await lab.focus('.controls .speed input[type=range]');
  await page.keyboard.press('End');
  await lab.waitForFunction(() => /10×/.test(document.querySelector('.controls .speed output')?.textContent || ''));
  // Play, and play on from each of the lesson's key moments, to its end.
  for (let i = 0; i < 20; i++) {
    const evs = await received(page);
    if (evs.some((e) => e.event === 'lesson_done')) break;
    const s = await readLab(lab);
    if (!s.playing) await send(page, { command: 'play' });
    await waitForEvent(page, (e) => e.event === 'lesson_moment' || e.event === 'lesson_done', 'a key moment or the end', evs.length, 20000);
  }
  const evs = (await received(page)).filter((e) => e.event !== 'time');
  const names = evs.map((e) => e.event);
  // Every event carries the simulated instant, in order.
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i].t_ms >= evs[i - 1].t_ms, `in order of simulated time: ${JSON.stringify(evs)}`);
  const first = (name, pred = () => true) => evs.findIndex((e) => e.event === name && pred(e));
  const story = [
    first('ready'),
    first('crash', (e) => e.node === 'n1' && e.t_ms === 1500),
    first('lesson_moment'),
    first('failover', (e) => !e.manual && e.node !== 'n1'),
    first('new_leader', (e) => e.node !== 'n1'),
    first('writes_lost'),
    first('restart', (e) => e.node === 'n1' && e.t_ms === 3500),
    first('lesson_done'),
  ];
  assert.ok(story.every((i) => i >= 0), `every part of the story: ${names.join(' ')}`);
  assert.deepEqual([...story].sort((a, b) => a - b), story, `ready, crash, moment, failover, new leader, writes lost, restart, done: ${names.join(' ')}`);
  const lost = evs.filter((e) => e.event === 'writes_lost');
  assert.deepEqual(lost.flatMap((e) => e.writes), asyncReport.lost_writes, 'the lost writes are the runner\'s');
  assert.ok(lost.every((e) => e.reason === 'leader_crashed_before_replicating' && e.explanation), JSON.stringify(lost));
  const done = evs[first('lesson_done')];
  assert.equal(done.lesson, 'async-failover');
  assert.ok(done.passed && done.checks.length > 0, JSON.stringify(done));
  // The drawing agrees, and the page asked its question when the first write was lost.
  const s = await readLab(lab);
  assert.equal(s.lost, asyncReport.lost_writes.length);
  assert.equal(await page.isVisible('#quiz'), true);
  assert.match(await page.textContent('#quiz-text'), new RegExp(`lost ${lost[0].writes.join(', ')},`));
  const listed = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent));
  assert.equal(listed.length, evs.length, 'the page lists every event but the clock');
  assert.ok(listed.some((t) => t.includes('writes_lost')));
}

export async function a_malformed_message_is_answered_and_changes_nothing(ctx) {
  const { page } = ctx;
  const { lab } = await openDemo(ctx);
  await send(page, { command: 'seek', t_ms: 1000 });
  const before = await waitForLab(lab, (x) => x.nowMs === 1000, { what: 'the seek to 1 s' });
  const linkBefore = await openFull(lab);
  const cases = [
    [{ command: 'seek', t_ms: 'soon' }, 't_ms'],
    [{ command: 'seek', t_ms: -5 }, 't_ms'],
    [{ command: 'seek' }, 't_ms'],
    [{ command: 'step', by: 3 }, 'by'],
    [{ command: 'fly' }, 'command'],
    [{ command: 42 }, 'command'],
    [{}, 'command'],
    [{ command: 'lesson', id: 'no-such-lesson' }, 'id'],
    [{ command: 'act', action: { action: 'explode' } }, 'action.action'],
    [{ command: 'act', action: { action: 'crash', node: 'n9' } }, 'action.node'],
    [{ command: 'act', action: 'crash' }, 'action'],
    [{ command: 'load', scenario: { version: 1, cluster: { nodes: 99 } } }, 'scenario.cluster.nodes'],
    [{ command: 'load', link: '#s=1.not-deflate-at-all' }, 'link'],
    [{ command: 'load', link: '#preset=nothing-like-it' }, 'link'],
    [{ replicationLab: 2, command: 'play' }, 'replicationLab'],
  ];
  for (const [message, field] of cases) {
    const n = (await received(page)).length;
    await send(page, message);
    const e = await waitForEvent(page, (x) => x.event === 'error', `an error for ${JSON.stringify(message)}`, n);
    assert.ok(e.field === field || (field.includes('.') && e.field.startsWith(field.split('.')[0])),
      `${JSON.stringify(message)}: the error names ${field}, got ${JSON.stringify(e)}`);
    assert.equal(e.t_ms, 1000);
    assert.ok(e.message.length > 0 && !/panick|unwrap|Err\(/.test(e.message), e.message);
  }
  await sleep(300);
  const after = await readLab(lab);
  assert.equal(after.nowMs, before.nowMs);
  assert.equal(after.svgHash, before.svgHash, 'the drawing is unchanged');
  assert.equal(after.playing, false);
  assert.equal(after.notice, null, 'no notice in the lab either');
  assert.equal(await openFull(lab), linkBefore, 'the share link is unchanged');
  // Messages not addressed to the lab are not answered at all.
  const n = (await received(page)).length;
  await page.evaluate(() => {
    const w = document.getElementById('lab').contentWindow;
    w.postMessage('hello', '*');
    w.postMessage({ type: 'something-else' }, '*');
  });
  await sleep(300);
  assert.deepEqual(await received(page).then((a) => a.slice(n)), []);
}

export async function a_window_that_is_not_the_parent_is_ignored(ctx) {
  const { page } = ctx;
  const { lab } = await openDemo(ctx);
  const before = await readLab(lab);
  const n = (await received(page)).length;
  // A sibling frame on the same page posts to the lab: well-formed commands, not from its parent.
  await page.evaluate(() => new Promise((done) => {
    const f = document.createElement('iframe');
    f.id = 'intruder';
    f.srcdoc = '<script>var lab = parent.document.getElementById("lab").contentWindow;' +
      'lab.postMessage({ replicationLab: 1, command: "seek", t_ms: 3000 }, "*");' +
      'lab.postMessage({ replicationLab: 1, command: "act", action: { action: "crash", node: "n1" } }, "*");' +
      'lab.postMessage({ replicationLab: 1, command: "fly" }, "*");' +
      'parent.postMessage("sent", "*");</script>';
    window.addEventListener('message', (m) => { if (m.data === 'sent') done(); });
    document.body.appendChild(f);
  }));
  // The lab itself, posting to itself, is not its parent either.
  await lab.evaluate(() => window.postMessage({ replicationLab: 1, command: 'seek', t_ms: 2000 }, '*'));
  await sleep(600);
  const after = await readLab(lab);
  assert.equal(after.nowMs, before.nowMs, 'no seek');
  assert.equal(after.svgHash, before.svgHash, 'no crash');
  assert.deepEqual((await received(page)).slice(n), [], 'no event, not even an error');
  // The parent still drives it.
  await send(page, { command: 'seek', t_ms: 3000 });
  await waitForLab(lab, (x) => x.nowMs === 3000, { what: 'the parent\'s seek' });
}

export async function an_embed_without_the_opt_in_takes_no_commands(ctx) {
  const { page, serveAt } = ctx;
  const server = await serveAt('/c/lab/', { '/c/': { body: '<!DOCTYPE html><title>c</title><iframe id="lab" src="lab/index.html?embed#preset=async-failover" width="800" height="500"></iframe>' } });
  const heard = [];
  await page.exposeFunction('heard', (e) => heard.push(e));
  await page.goto(`${server.origin}/c/`);
  await page.evaluate(() => window.addEventListener('message', (m) => window.heard(m.data)));
  const lab = await (await page.waitForSelector('iframe#lab')).contentFrame();
  await lab.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.evaluate(() => document.getElementById('lab').contentWindow.postMessage({ replicationLab: 1, command: 'seek', t_ms: 2500 }, '*'));
  await sleep(600);
  assert.equal((await readLab(lab)).nowMs, 0);
  assert.deepEqual(heard, [], 'an embed that did not opt in says nothing');
}
