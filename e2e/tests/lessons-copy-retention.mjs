// The lessons of issue 13 on copying a new follower and on keeping the leader's log, each held
// at its key moment: a fact from the drawing is checked there, and the screenshot saved (the
// copies in docs/screenshots/ come from these). The file copy's follower is marked on its box
// as differing from the leader, in words, with the keys in its label.
import assert from 'node:assert/strict';
import { readLab, replica, summarise } from '../helpers.mjs';

/** Opens lesson `id`, plays it and continues until it holds at `text`; returns that state. */
async function holdAt(page, baseUrl, id, text) {
  await page.goto(`${baseUrl}#lesson=${id}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.click('#play');
  for (let i = 0; i < 12; i++) {
    await page.waitForSelector('#lesson-pause', { timeout: 20000 });
    const held = (await page.textContent('#lesson-pause p')).trim();
    if (text.test(held)) return readLab(page);
    const at = (await readLab(page)).nowMs;
    await page.click('#continue');
    await page.waitForFunction((at) => {
      const m = /(\d+)\.(\d{3})\s*s/.exec(document.querySelector('.controls .clock')?.textContent || '');
      return !document.getElementById('lesson-pause') || (m && Number(m[1]) * 1000 + Number(m[2]) !== at);
    }, at, { timeout: 10000 });
  }
  throw new Error(`${id} never held at ${text}`);
}

export async function file_copy_lesson_marks_the_follower_that_differs_from_the_leader({ page, baseUrl, screenshot }) {
  const s = await holdAt(page, baseUrl, 'new-follower-file-copy', /n4 has caught up/);
  const n4 = replica(s, 'n4');
  assert.equal(n4.role, 'FOLLOWER', summarise(s));
  // Said in words on the drawing (not by colour alone), the keys in its accessible name.
  const box = page.locator('#cluster .replica.differs');
  assert.equal(await box.count(), 1, `only n4 differs: ${summarise(s)}`);
  assert.equal((await box.locator('text.name').textContent()).trim(), 'n4');
  assert.equal((await box.locator('.differs-badge').textContent()).trim(), '≠ differs from leader');
  assert.match(n4.label, /differs from the leader at k\d+(, k\d+)*\)/, n4.label);
  assert.match(await box.locator(':scope > title').textContent(), /; differs from the leader at k\d+/);
  // A replica that got the leader's data by the log is not marked.
  assert.doesNotMatch(replica(s, 'n2').label, /differs/);
  // The inspector lists the keys too.
  await box.locator('text.name').click();
  const inspector = page.locator('.inspector');
  await inspector.getByRole('heading', { name: 'Replica n4' }).waitFor();
  assert.match(await inspector.textContent(), /differs from the leader at\s*k\d+/);
  await screenshot('new-follower-file-copy');
}

export async function locked_copy_lesson_holds_writes_until_the_copy_is_sent({ page, baseUrl, screenshot }) {
  const s = await holdAt(page, baseUrl, 'new-follower-locked-copy', /unlocks the database/);
  assert.ok(s.counts.waiting >= 20, `writes wait while the database is locked: ${JSON.stringify(s.counts)}`);
  assert.equal(s.counts.failed, 0, 'none failed: they waited');
  assert.equal(replica(s, 'n4').role, 'NEW FOLLOWER', summarise(s));
  assert.equal(await page.locator('#cluster .replica.differs').count(), 0, 'a locked copy is consistent');
  await screenshot('new-follower-locked-copy');
}

export async function retention_keep_log_lesson_shows_writes_refused_for_a_full_disk({ page, baseUrl, screenshot }) {
  const s = await holdAt(page, baseUrl, 'retention-keep-log', /n3 restarted/);
  assert.ok(s.counts.failed > 0, `the leader refused writes: ${JSON.stringify(s.counts)}`);
  assert.match(await page.locator('.writes').textContent(), /refused by n1: the leader's disk is full/);
  // n3 can still catch up from its own position: it is a follower, not a new one.
  assert.equal(replica(s, 'n3').role, 'FOLLOWER', summarise(s));
  assert.ok(replica(s, 'n3').behind > 100, summarise(s));
  await screenshot('retention-keep-log');
}

export async function retention_delete_log_lesson_shows_the_follower_needing_a_snapshot({ page, baseUrl, screenshot }) {
  const s = await holdAt(page, baseUrl, 'retention-delete-log', /must take a new snapshot/);
  const n3 = replica(s, 'n3');
  assert.equal(n3.role, 'NEW FOLLOWER', `n3 is set up again: ${summarise(s)}`);
  assert.equal(n3.progress?.text, 'snapshot requested', summarise(s));
  assert.equal(s.counts.failed, 0, 'the leader refused no write');
  await screenshot('retention-delete-log');
}
