// Failover by a controller node (issue 13): the controller preset draws m1 as a node of its
// own beside the ring, with its links, and when the leader crashes m1 appoints the most
// up-to-date follower (n3). Selecting m1 offers the actions a controller can take.
import assert from 'node:assert/strict';
import { openLab, readLab, waitForLab, replica, summarise } from '../helpers.mjs';

export async function controller_preset_draws_m1_and_fails_over({ page, baseUrl, screenshot }) {
  let s = await openLab(page, `${baseUrl}#preset=controller-failover`);
  assert.equal(s.title, 'A controller node appoints the new leader');
  const m1 = page.locator('#cluster .controller');
  assert.equal(await m1.count(), 1, 'm1 is drawn once');
  assert.equal((await m1.locator('text.name').textContent()).trim(), 'm1');
  assert.equal((await m1.locator('text.role').textContent()).trim(), 'controller');
  assert.equal(await page.locator('#cluster .controller-link').count(), 3, 'a link from m1 to every replica');
  assert.match(await m1.locator('.box').getAttribute('aria-label'), /^Controller m1: watching n1/);
  // Not a replica: the replica boxes are still the three replicas.
  assert.equal(s.replicas.length, 3);

  await page.click('#play');
  s = await waitForLab(page, (x) => replica(x, 'n3')?.role === 'LEADER', { timeout: 20000, what: 'n3 to lead' });
  await page.click('#play'); // pause to look
  s = await waitForLab(page, (x) => !x.playing, { what: 'pause' });
  assert.notEqual(replica(s, 'n2').role, 'LEADER', `m1 appointed n3, not the lagging n2: ${summarise(s)}`);
  const log = await page.locator('section.events').first().textContent();
  assert.match(log, /m1 appoints n3 leader of epoch 2/);
  await screenshot('controller-appointed');

  // Selecting m1 offers crash and isolate, but no promotion: it holds no data.
  await m1.locator('text.name').click();
  const inspector = page.locator('.inspector');
  await inspector.getByRole('heading', { name: 'Controller m1' }).waitFor();
  assert.equal(await inspector.getByRole('button', { name: '✕ Crash' }).count(), 1);
  assert.equal(await inspector.getByRole('button', { name: 'Isolate' }).count(), 1);
  assert.equal(await inspector.getByRole('button', { name: '★ Promote' }).count(), 0);
  await inspector.getByRole('button', { name: '✕ Crash' }).click();
  await page.click('#play');
  await waitForLab(page, () => true);
  await page.waitForSelector('#cluster .controller.down', { timeout: 10000 });
  await page.click('#play');
  await screenshot('controller-down');
  s = await readLab(page);
  assert.ok(s.replicas.length === 3, summarise(s));
}

export async function controller_partitions_leave_m1_without_a_leader_to_appoint({ page, baseUrl, screenshot }) {
  // Cut off from every replica, after n1 crashed: m1 hears nobody, and nobody leads.
  await openLab(page, `${baseUrl}#preset=controller-cut-off&t=4000`);
  let s = await waitForLab(page, (x) => x.nowMs >= 4000, { what: 'the cursor at 4 s' });
  const m1 = page.locator('#cluster .controller');
  assert.equal(await page.locator('#cluster .controller-link.link-cut').count(), 3, `m1's links are cut: ${summarise(s)}`);
  assert.ok(s.replicas.every((r) => r.role !== 'LEADER'), `nobody leads: ${summarise(s)}`);
  await screenshot('controller-cut-off');
  // Partitioned with the old leader: the majority side has no leader either.
  await openLab(page, `${baseUrl}#preset=controller-with-old-leader&t=3500`);
  s = await waitForLab(page, (x) => x.nowMs >= 3500, { what: 'the cursor at 3.5 s' });
  assert.ok(s.replicas.every((r) => r.role !== 'LEADER'), `nobody leads: ${summarise(s)}`);
  assert.match(await m1.locator('.box').getAttribute('aria-label'), /^Controller m1: /);
  await screenshot('controller-with-old-leader');
}

export async function failover_setting_starts_a_sandbox_with_the_controller_and_back({ page, baseUrl }) {
  // The form offers the settings table's two values, with its line of documentation.
  await openLab(page, baseUrl);
  const select = page.locator('#failover');
  assert.deepEqual(await select.locator('option').allTextContents(), ['election', 'controller']);
  assert.equal(await select.inputValue(), 'election');
  assert.match(await select.getAttribute('title'), /^Who chooses a new leader: election among the replicas, or controller, a node m1 .*Starts a fresh sandbox/);
  assert.equal(await page.locator('#cluster .controller').count(), 0, 'an election needs no m1');
  // A run cannot change who chooses mid-way: the choice starts a fresh sandbox, and says so.
  await select.selectOption('controller');
  await page.waitForSelector('#cluster .controller', { timeout: 10000 });
  let s = await readLab(page);
  assert.match(s.notice?.text ?? '', /A fresh sandbox with controller failover/, summarise(s));
  assert.equal(s.nowMs, 0, 'a new run');
  assert.equal(s.replicas.length, 3);
  assert.equal(await select.inputValue(), 'controller');
  // With m1 watching, a crashed leader is replaced by m1's appointment.
  await page.click('#play');
  await page.locator('#cluster .replica .name', { hasText: 'n1' }).click();
  await page.locator('.inspector').getByRole('button', { name: '✕ Crash' }).click();
  s = await waitForLab(page, (x) => x.replicas.some((r) => r.id !== 'n1' && r.role === 'LEADER'), { timeout: 20000, what: 'a new leader' });
  assert.match(await page.locator('section.events').first().textContent(), /m1 appoints n\d leader of epoch 2/);
  // And back: no m1.
  await select.selectOption('election');
  await page.waitForSelector('#cluster .controller', { state: 'detached', timeout: 10000 });
  assert.equal(await select.inputValue(), 'election');
}
