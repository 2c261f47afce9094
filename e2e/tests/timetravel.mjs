// Issue 4, time travel: the timeline seeks backwards and forwards, the arrow keys step one
// event at a time, and acting in the past starts a branch that can be switched back from.
import assert from 'node:assert/strict';
import { openLab, readLab, waitForLab, clickReplica, replica, summarise, settle } from '../helpers.mjs';

/** Seeks with the timeline as a keyboard or assistive-technology user sets a range's value. */
async function seekTo(page, ms) {
  await page.fill('#timeline', String(ms));
  return waitForLab(page, (x) => x.nowMs === ms, { what: `the clock to show ${ms} ms` });
}

/** Moves the focus off the range (a click on the lesson title), so arrows reach the lab. */
async function focusPage(page) {
  await page.click('#cluster .cluster-head h2');
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true, 'focus is back on the page');
}

const picture = (s) => JSON.stringify({ clock: s.clock, lost: s.lost, replicas: s.replicas.map((r) => r.label) });

export async function timeline_seeks_back_and_forth_and_arrows_step_events({ page, baseUrl, screenshot }) {
  // The lesson: n1 leads, crashes at 1.5 s, a follower takes over, n1 returns at 3.5 s.
  let s = await openLab(page, `${baseUrl}#preset=async-failover`);
  assert.equal(s.nowMs, 0);
  assert.equal(s.timeline.max, 6000, 'the timeline spans the lesson');

  // Forwards, far past anything computed: the run is computed up to there.
  s = await seekTo(page, 4000);
  assert.equal(s.timeline.value, 4000);
  assert.equal(replica(s, 'n1').role, 'FOLLOWER', `at 4 s n1 is back, as a follower: ${summarise(s)}`);
  assert.ok(s.lost > 0, 'at 4 s the writes only n1 had are lost');
  const at4000 = s;
  await screenshot('seek-4000');

  // Backwards, before the crash.
  s = await seekTo(page, 1000);
  assert.equal(replica(s, 'n1').role, 'LEADER', `at 1 s n1 leads: ${summarise(s)}`);
  assert.equal(s.lost, 0, 'nothing is lost yet at 1 s');
  assert.ok(s.replicas.every((r) => r.role !== 'DOWN'));
  await screenshot('seek-1000');

  // Between crash and failover.
  s = await seekTo(page, 2000);
  assert.equal(replica(s, 'n1').role, 'DOWN', `at 2 s n1 is down: ${summarise(s)}`);
  const at2000 = s;

  // Forwards again to 4 s: the same picture as the first time (determinism, and the seek
  // does not disturb the run).
  s = await seekTo(page, 4000);
  assert.equal(picture(s), picture(at4000), 'seeking back to an instant shows the same cluster');

  // Dragging the thumb with the mouse, back to about a quarter of the run.
  const box = await page.locator('#timeline').boundingBox();
  const thumbX = box.x + box.width * (4000 / 6000);
  await page.mouse.move(thumbX, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  s = await waitForLab(page, (x) => x.nowMs < 1500, { what: 'the drag to move the clock before the crash' });
  assert.ok(s.nowMs > 300 && s.nowMs < 1500, `dragged to ~15% of 6 s: ${s.clock}`);
  assert.equal(s.timeline.value, s.nowMs, 'the thumb and the clock agree');
  assert.equal(replica(s, 'n1').role, 'LEADER');
  await screenshot('dragged-back');

  // One event at a time with the arrow keys (focus on the page, not on the range).
  s = await seekTo(page, 2000);
  assert.equal(picture(s), picture(at2000));
  await focusPage(page);
  // The whole drawing (messages in flight included) is compared, not only the labels.
  const exact = (x) => `${picture(x)} svg#${x.svgHash}`;
  const start = await readLab(page);
  const forward = [start];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('ArrowRight');
    await settle(page);
    forward.push(await readLab(page));
  }
  for (let i = 1; i < forward.length; i++) {
    assert.ok(forward[i].nowMs >= forward[i - 1].nowMs, 'stepping forward never goes back in time');
  }
  const distinct = new Set(forward.map(exact)).size;
  assert.ok(distinct >= 4, `each step shows the next event: ${distinct} different pictures in 7`);
  assert.ok(forward[6].nowMs > start.nowMs, `six events later the clock has moved (${start.clock} → ${forward[6].clock})`);
  assert.equal(forward[6].playing, false, 'stepping leaves playback paused');
  for (let i = 5; i >= 0; i--) {
    await page.keyboard.press('ArrowLeft');
    await settle(page);
    const back = await readLab(page);
    assert.equal(exact(back), exact(forward[i]), `ArrowLeft returns to the state after event ${i} of the forward steps (${back.clock} vs ${forward[i].clock})`);
  }
  assert.equal(picture(await readLab(page)), picture(start), 'six steps back return exactly to where we started');
}

export async function acting_in_the_past_starts_a_branch_and_the_old_one_returns({ page, baseUrl, screenshot }) {
  let s = await openLab(page, `${baseUrl}#preset=async-failover`);
  assert.equal(s.branches, null, 'one branch: no branch picker');
  // Watch up to 4 s, remember the picture at 2 s, then go back before the crash.
  s = await seekTo(page, 4000);
  s = await seekTo(page, 2000);
  const original2000 = s;
  assert.equal(replica(s, 'n2').role, 'FOLLOWER');
  s = await seekTo(page, 1000);

  // Crash n2 at 1 s: that changes the past.
  await clickReplica(page, 'n2');
  await page.click('.inspector button:has-text("Crash")');
  s = await waitForLab(page, (x) => x.branches && x.branches.length === 2, { what: 'the branch picker with two entries' });
  assert.equal(replica(s, 'n2').role, 'DOWN', `n2 is down in the new branch: ${summarise(s)}`);
  // Checked last, so that the rest of the test still runs if this fails: the action is
  // recorded at 1.001 s, and the clock must stand there. (Seen failing with 1.006 s: the
  // engine's Sim::step skips a stale queue entry and then processes the next live event even
  // when it is later than the instant run_until/advance_to was asked for.)
  const late = s.nowMs >= 1000 && s.nowMs <= 1001 ? null
    : `after crashing n2 at 1.000 s the clock shows ${s.clock}, not 1.001 s: the new branch was computed past the instant of the action`;
  assert.match(s.notice?.text ?? '', /changed the past/i, 'a notice says a branch was made');
  assert.equal(s.notice.error, false, 'it is information, not an error');
  assert.ok(s.branches[1].selected, 'the new branch is shown');
  assert.match(s.branches[0].text, /as loaded/);
  assert.match(s.branches[1].text, /crash/);
  assert.ok(await page.isVisible('#branch'));
  await screenshot('branch-created');

  // In the new branch, n2 stays down at 2 s (and n1 still crashes there, as the lesson says).
  s = await seekTo(page, 2000);
  assert.equal(replica(s, 'n2').role, 'DOWN');
  assert.equal(replica(s, 'n1').role, 'DOWN');
  const branch2000 = s;

  // Back to the earlier branch: the same instant, as it was.
  await page.selectOption('#branch', '0');
  s = await waitForLab(page, (x) => x.branches?.[0].selected && replica(x, 'n2').role !== 'DOWN', { what: 'the first branch to be shown again' });
  assert.equal(s.nowMs, 2000, 'switching branches keeps the instant');
  assert.equal(picture(s), picture(original2000), 'the first branch shows what it showed before');
  assert.equal(s.playing, false);
  await screenshot('branch-switched-back');

  // And forward to the new branch again.
  await page.selectOption('#branch', '1');
  s = await waitForLab(page, (x) => x.branches?.[1].selected && replica(x, 'n2').role === 'DOWN', { what: 'the second branch again' });
  assert.equal(picture(s), picture(branch2000), 'the second branch is kept as it was');
  if (late) throw new Error(late);
}
