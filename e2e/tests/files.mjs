// Scenario and trace files, as a course author uses them: export the scenario of a run with
// the reader's own actions, import it in a fresh page and get the same run; export the event
// trace as JSON; and a corrupt file is refused with a message while the current run stays.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

async function waitForClock(page) {
  await page.waitForSelector('#cluster svg');
  return page.textContent('.clock');
}

async function download(page, buttonText) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: buttonText }).click()]);
  const target = path.join(os.tmpdir(), `rl-${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(target);
  return { name: file.suggestedFilename(), text: fs.readFileSync(target, 'utf8'), target };
}

export async function exported_scenario_reimports_to_the_same_run({ page, baseUrl, screenshot }) {
  await page.goto(`${baseUrl}#preset=async-failover&t=1200`);
  await waitForClock(page);
  // The reader acts: a write by hand at 1.2 s, recorded into the scenario.
  await page.fill('#write-key', 'course');
  await page.fill('#write-value', 'ddia');
  await page.getByRole('button', { name: 'Write', exact: true }).click();
  const { name, text, target } = await download(page, 'Export scenario');
  assert.match(name, /\.json$/);
  const scenario = JSON.parse(text);
  assert.equal(scenario.version, 1);
  const write = scenario.events.find((e) => e.action === 'write');
  assert.ok(write && write.key === 'course' && write.value === 'ddia', 'the hand-made write is in the exported scenario');

  // A fresh page (the sandbox) imports it: the same scenario, from the start.
  await page.goto(`${baseUrl}#`);
  await waitForClock(page);
  await page.setInputFiles('#import', target);
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('Loaded'));
  assert.match(await page.textContent('#cluster .cluster-head h2'), /Asynchronous failover/);
  // Play to past the hand-made write: the event log shows it was replayed.
  await page.fill('#timeline', '1500');
  await page.dispatchEvent('#timeline', 'input');
  await page.waitForFunction(() => [...document.querySelectorAll('.event-list li')].some((li) => li.textContent.includes('course = ddia')));
  await screenshot('imported-scenario');
}

export async function trace_exports_as_json_with_every_event({ page, baseUrl }) {
  await page.goto(`${baseUrl}#preset=follower-catch-up&t=1500`);
  await waitForClock(page);
  const { name, text } = await download(page, 'Export trace');
  assert.match(name, /trace\.json$/);
  const trace = JSON.parse(text);
  assert.equal(trace.until_ms, 1500);
  assert.match(trace.trace_hash, /^[0-9a-f]{16}$/);
  assert.ok(Array.isArray(trace.events) && trace.events.length > 100, `${trace.events.length} events`);
  assert.ok(trace.events.every((e, i) => i === 0 || e.at_ms >= trace.events[i - 1].at_ms), 'events in time order');
  assert.ok(trace.events.some((e) => e.event === 'action' && e.detail.includes('crash')), 'the crash action is in the trace');
  assert.ok(trace.events.some((e) => e.event === 'append'), 'appends are in the trace');
}

export async function a_corrupt_scenario_file_is_refused_and_nothing_is_lost({ page, baseUrl }) {
  await page.goto(`${baseUrl}#preset=chain&t=900`);
  await waitForClock(page);
  const before = await page.textContent('.clock');
  const bad = path.join(os.tmpdir(), `rl-bad-${Date.now()}.json`);
  fs.writeFileSync(bad, '{"version":1,"cluster":{"nodes":12,"mode":"chain"}}');
  await page.setInputFiles('#import', bad);
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('not a usable scenario'));
  assert.match(await page.textContent('#notice'), /cluster\.nodes: 12 is out of range 2 to 9/);
  assert.match(await page.textContent('#cluster .cluster-head h2'), /Chain replication/, 'the current run stays');
  assert.equal(await page.textContent('.clock'), before);
  fs.writeFileSync(bad, 'this is not JSON');
  await page.setInputFiles('#import', bad);
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('not a usable scenario'));
  assert.match(await page.textContent('#cluster .cluster-head h2'), /Chain replication/);
}
