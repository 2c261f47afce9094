// The teaching layer as a student meets it: the gallery of lessons, and one lesson walked from
// start to end — it holds at each key moment the engine reports, the reader continues with the
// button or Enter, and at the end it lists what the run showed, checked against the run. A
// reader who changes the scenario (synchronous instead of asynchronous) is told which claim did
// not happen. Numbers are checked against the native runner's report of the same scenario.
import assert from 'node:assert/strict';
import { teaching } from './teaching-support.mjs';

const { presets, runNative, saysTheRunnersSentencesAt, keyMomentsShown, readClock, setSpeedMax } = teaching;

const LESSON = 'async-failover';

/**
 * Plays the open lesson to its end, continuing from every key moment in turn by the Continue
 * button, the Enter shortcut (focus on the page), and Enter on the focused button. Returns the
 * holds seen, [{ at, text, how }], and the key moments of the whole run as the page exposes
 * them at the end (the engine's list). Checks at each hold that the run really holds there.
 */
async function walkLesson(page, { onHold } = {}) {
  const ways = ['button', 'Enter shortcut', 'Enter on the focused button'];
  const holds = [];
  for (let i = 0; i < 30; i++) {
    const el = await page.waitForSelector('#lesson-pause, #lesson-outcome', { timeout: 20000 });
    if ((await el.getAttribute('id')) === 'lesson-outcome') return { holds, moments: await keyMomentsShown(page) };
    const clock = await readClock(page);
    const text = (await page.textContent('#lesson-pause p')).trim();
    assert.match(text, /^Key moment\. \S/, `a hold says it is a key moment: ${text}`);
    assert.equal(clock.playing, false, `playback is paused while the lesson holds at ${clock.now} ms`);
    assert.equal(await page.getAttribute('#lesson-pause', 'role'), 'status', 'the hold is announced (role=status)');
    assert.ok(await page.isVisible('#continue'), 'the hold offers a Continue button');
    assert.equal(await page.getAttribute('#continue', 'aria-keyshortcuts'), 'Enter');
    const how = ways[holds.length % ways.length];
    holds.push({ at: clock.now, text: text.replace(/^Key moment\.\s*/, ''), how });
    if (onHold) await onHold(holds.length - 1, holds[holds.length - 1]);
    if (how === 'button') {
      await page.click('#continue');
    } else if (how === 'Enter shortcut') {
      await page.evaluate(() => document.activeElement?.blur());
      await page.keyboard.press('Enter');
    } else {
      await page.focus('#continue');
      await page.keyboard.press('Enter');
    }
    // Continuing removes the hold; the next one (if any) is at a later instant.
    await page.waitForFunction((at) => {
      const held = document.getElementById('lesson-pause');
      const m = /(\d+)\.(\d{3})\s*s/.exec(document.querySelector('.controls .clock')?.textContent || '');
      const now = m ? Number(m[1]) * 1000 + Number(m[2]) : null;
      return !held || now !== at;
    }, clock.now, { timeout: 10000 }).catch(() => {
      throw new Error(`the lesson still holds at ${clock.now} ms after continuing with ${how}`);
    });
  }
  throw new Error(`no outcome after 30 holds: ${JSON.stringify(holds)}`);
}

/** The outcome's checks as shown: [{ verdict: 'held'|'missed', text }]. */
async function readOutcome(page) {
  return page.$$eval('#lesson-outcome li', (items) => items.map((li) => ({
    verdict: li.classList.contains('held') ? 'held' : li.classList.contains('missed') ? 'missed' : li.className,
    text: li.textContent.replace(/\s+/g, ' ').trim(),
    glyphHidden: li.querySelector('.verdict')?.getAttribute('aria-hidden') === 'true',
  })));
}

/** Opens the lesson and checks its introduction, before anything has run. */
async function openLesson(page, baseUrl) {
  await page.goto(`${baseUrl}#lesson=${LESSON}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.waitForSelector('section.lesson');
  const title = (await page.textContent('#cluster .cluster-head h2')).trim();
  assert.equal(title, presets()[LESSON].title, 'the lesson shows its preset\'s title');
  assert.ok((await page.textContent('.lesson-intro')).trim().length > 40, 'the lesson opens with an introduction');
  assert.match((await page.textContent('.lesson-question')).trim(), /^Think about: \S/, 'and a question to think about');
  assert.match(await page.textContent('.lesson-hint'), /Press.*Play/, 'and says how to start');
  assert.equal(await page.$('#lesson-pause'), null, 'no hold before playing');
  assert.equal(await page.$('#lesson-outcome'), null, 'no outcome before the end');
  const clock = await readClock(page);
  assert.equal(clock.now, 0, 'the lesson starts at 0 ms');
  return clock;
}

export async function lesson_walked_end_to_end_holds_at_each_key_moment_and_every_check_holds({ page, baseUrl, screenshot }) {
  const native = runNative(presets()[LESSON], LESSON);
  native.catch(() => {}); // awaited below; runs while the page loads
  const start = await openLesson(page, baseUrl);
  const report = await native;
  assert.equal(start.end, report.end_ms, 'the lesson ends where the runner ends');
  // Predict, then see: three answers, chosen from the keyboard before the run starts.
  const choices = await page.$$eval('#prediction .choice', (bs) => bs.map((b) => b.textContent.trim()));
  assert.equal(choices.length, 3, `three answers: ${JSON.stringify(choices)}`);
  assert.match(choices[0], /^Lost/);
  await page.focus('#prediction .choice');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#prediction .choice.chosen[aria-pressed="true"]');
  await setSpeedMax(page);
  await page.click('#play');
  const { holds, moments } = await walkLesson(page, {
    onHold: async (i, hold) => {
      if (i === 0) {
        // At the first key moment the prediction is locked: the other answers are disabled.
        assert.equal(await page.$$eval('#prediction .choice[disabled]', (bs) => bs.length), 2, 'the prediction is locked at the key moment');
      }
      // The hold after the failover is the one the lesson is about: keep it for people to see.
      if (/lost/i.test(hold.text)) await screenshot('lesson-held-at-lost-writes');
    },
  });
  assert.ok(moments.length >= 3, `the engine finds the crash, the failover and the discard: ${JSON.stringify(moments)}`);
  assert.deepEqual(holds.map((h) => h.at), moments,
    'the lesson holds at every key moment the engine finds (crash, new leader and lost writes, discard), and nowhere else');
  const crash = report.events.find((e) => e.kind === 'crash');
  assert.equal(moments[0], crash.at_ms, `the first hold is the crash the runner reports: ${crash.text}`);
  for (const h of holds) {
    assert.ok(saysTheRunnersSentencesAt(report, h.at, h.text), `the hold at ${h.at} ms says what the runner reports then: ${h.text}`);
  }
  assert.deepEqual(holds.slice(0, 3).map((h) => h.how), ['button', 'Enter shortcut', 'Enter on the focused button'],
    'the walk continued once by each way: button, Enter shortcut, Enter on the focused button');

  const end = await readClock(page);
  assert.equal(end.now, report.end_ms, 'the outcome appears at the end of the run');
  assert.equal(end.playing, false);
  assert.equal(await page.$('#lesson-pause'), null, 'no hold left at the end');
  const checks = await readOutcome(page);
  assert.equal((await page.textContent('#lesson-outcome h3')).trim(), 'What you should have seen');
  assert.equal(checks.length, 3, `three checks for this lesson: ${JSON.stringify(checks)}`);
  for (const c of checks) {
    assert.equal(c.verdict, 'held', `unchanged lesson: every check holds: ${c.text}`);
    assert.ok(c.glyphHidden, 'the ✓ is decoration (aria-hidden); the words carry the verdict');
    assert.ok(!/did not happen/.test(c.text), c.text);
  }
  // The evidence quotes the run's own figures: the runner's, for the same scenario.
  const lost = report.lost_writes.length;
  const byCrash = report.writes.filter((w) => w.lost_reason === 'leader_crashed_before_replicating').length;
  const epoch = Math.max(...report.replicas.map((r) => r.epoch));
  assert.ok(lost > 0, 'the runner loses writes in this lesson');
  assert.ok(checks.some((c) => c.text.includes(`(highest epoch ${epoch})`)), `the failover check quotes epoch ${epoch}: ${JSON.stringify(checks)}`);
  assert.ok(checks.some((c) => c.text.includes(`(${lost} lost, ${byCrash} of them for that reason)`)), `the lost-writes check quotes ${lost} lost: ${JSON.stringify(checks)}`);
  // The held moments name the very writes the runner lists as lost.
  const lostHold = holds.find((h) => /lost/i.test(h.text));
  for (const id of report.lost_writes) assert.ok(lostHold.text.includes(id), `the hold at ${lostHold.at} ms names ${id}: ${lostHold.text}`);
  assert.equal(await page.getAttribute('#lesson-outcome a', 'href'), '#lessons', 'the outcome leads back to the lessons');
  assert.ok(!(await page.textContent('#lesson-outcome')).includes('Your run differs'), 'no "your run differs" note for the unchanged lesson');
  assert.match(await page.textContent('#prediction-verdict'), /^You predicted “Lost.*”: the run agreed\.$/, 'the run judged the prediction: agreed');
  await screenshot('lesson-outcome');
}

export async function lesson_with_sync_replication_says_which_claim_did_not_happen({ page, baseUrl, screenshot }) {
  // What the reader does in the page: the mode select records `set mode` 1 ms after the cursor.
  const scenario = structuredClone(presets()[LESSON]);
  scenario.events.push({ at_ms: 1, action: 'set', mode: 'sync' });
  const native = runNative(scenario, `${LESSON}-sync`);
  native.catch(() => {}); // awaited below; runs while the page loads
  await openLesson(page, baseUrl);
  const report = await native;
  await page.click('#prediction .choice:nth-child(2)');
  await page.selectOption('#mode', 'sync');
  await page.waitForFunction(() => /^sync\b/.test(document.querySelector('#cluster .mode-pill')?.textContent || ''), null, { timeout: 10000 });
  await setSpeedMax(page);
  await page.click('#play');
  const { holds, moments } = await walkLesson(page);
  assert.deepEqual(holds.map((h) => h.at), moments, 'the holds follow the changed run, as the engine finds its key moments');
  for (const h of holds) {
    assert.ok(saysTheRunnersSentencesAt(report, h.at, h.text), `the hold at ${h.at} ms says what the runner reports of the changed run: ${h.text}`);
  }

  const checks = await readOutcome(page);
  assert.equal(checks.length, 3, JSON.stringify(checks));
  const missed = checks.filter((c) => c.verdict === 'missed');
  assert.ok(missed.length >= 1, `at least one claim is marked as not happened: ${JSON.stringify(checks)}`);
  assert.equal(report.lost_writes.length, 0, 'the runner loses nothing under synchronous replication');
  const lostClaim = checks.find((c) => /Writes confirmed by the old leader were lost/.test(c.text));
  assert.ok(lostClaim, `the lost-writes claim is listed: ${JSON.stringify(checks)}`);
  assert.equal(lostClaim.verdict, 'missed', `the lost-writes claim did not happen under sync: ${lostClaim.text}`);
  assert.match(lostClaim.text, /this did not happen in your run/);
  assert.match(lostClaim.text, /\(0 lost, 0 of them for that reason\)/, 'its evidence quotes the run: nothing lost');
  const failover = checks.find((c) => /A new leader was elected/.test(c.text));
  assert.equal(failover?.verdict, 'held', 'the failover still happened');
  for (const c of missed) assert.match(c.text, /this did not happen in your run/, 'every missed claim says so in words, not only with ✗');
  assert.match(await page.textContent('#lesson-outcome'), /Your run differs from the lesson's/, 'the outcome says the run was changed');
  assert.match(await page.textContent('#prediction-verdict'), /cannot say whether you were right/, 'a run that does not show the effect judges no prediction');
  await screenshot('lesson-outcome-sync');
}

export async function gallery_lists_one_card_per_preset_with_a_start_link({ page, baseUrl, screenshot }) {
  const all = presets();
  await page.goto(`${baseUrl}#lessons`);
  await page.waitForSelector('.gallery .card', { timeout: 20000 });
  assert.equal((await page.textContent('#gallery-title')).trim(), 'Lessons');
  assert.equal(await page.getAttribute('.app-nav a[href="#lessons"]', 'aria-current'), 'page', 'the header marks the gallery as the current page');
  const cards = await page.$$eval('.gallery .card', (cs) => cs.map((c) => ({
    title: c.querySelector('h3')?.textContent.replace(/\s+/g, ' ').trim(),
    paragraphs: [...c.querySelectorAll('p')].map((p) => p.textContent.trim()),
    href: c.querySelector('a.start')?.getAttribute('href'),
    label: c.querySelector('a.start')?.getAttribute('aria-label'),
    linkText: c.querySelector('a.start')?.textContent.trim(),
  })));
  assert.equal(cards.length, Object.keys(all).length, `one card per preset in scenarios/ (${Object.keys(all).join(', ')})`);
  const ids = cards.map((c) => /^#lesson=([\w-]+)$/.exec(c.href || '')?.[1]);
  assert.deepEqual([...ids].sort(), Object.keys(all).sort(), 'every preset has exactly one card, and every card starts a preset\'s lesson');
  cards.forEach((c, i) => {
    const s = all[ids[i]];
    assert.equal(c.title, `${i + 1}. ${s.title}`, `card ${i + 1} is numbered and titled as its preset`);
    assert.equal(c.label, `Start the lesson: ${s.title}`, 'the start link names its lesson for screen readers');
    assert.match(c.linkText, /^Start the lesson/);
    assert.ok(c.paragraphs[0].length > 40, `${ids[i]}: the card introduces the lesson`);
    assert.match(c.paragraphs[1] || '', /^Think about: \S/, `${ids[i]}: the card asks its question`);
  });
  await screenshot('gallery');

  // Following a start link opens that lesson (a fragment-only navigation).
  await page.click(`.gallery a.start[href="#lesson=${LESSON}"]`);
  await page.waitForSelector('section.lesson', { timeout: 20000 });
  assert.equal(new URL(page.url()).hash, `#lesson=${LESSON}`);
  assert.equal((await page.textContent('#cluster .cluster-head h2')).trim(), all[LESSON].title);
  assert.equal(await page.getAttribute('.app-nav a[href="#lessons"]', 'aria-current'), 'false');
}
