// The views that explain a run: the compare view's table (checked row by row against the
// native runner's report of the same scenario in each mode), the space-time diagram and its
// SVG export (a standalone file that opens on its own), and the metrics tab (four charts, and
// a ledger of writes that filters down to the lost ones), with figures checked against the
// runner's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { teaching } from './teaching-support.mjs';

const { repo, presets, runNative, withMode, readClock } = teaching;
const artifacts = path.join(repo, 'e2e', 'artifacts');

/** "6.000 s", as the app formats an instant (panels::format_time). */
const formatTime = (ms) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')} s`;

/** Runs the preset natively in each mode, in parallel; every run must end at the same instant. */
async function nativeRuns(presetId, modes) {
  const scenario = presets()[presetId];
  const reports = await Promise.all(modes.map((m) => runNative(withMode(scenario, m), `${presetId}-${m}`)));
  const ends = new Set(reports.map((r) => r.end_ms));
  assert.equal(ends.size, 1, `every mode's run ends at the same instant: ${[...ends]}`);
  reports.forEach((r, i) => assert.equal(r.mode, modes[i], `the runner ran ${modes[i]}`));
  return reports;
}

/**
 * Opens the compare view at the scenario's end and checks every row of #compare-table against
 * the runner. The columns (CompareApp and `summarise` in src/compare.rs) are, per mode: latency
 * p50 and p99 of confirmed writes (nearest rank, the runner's percentile), writes confirmed to
 * the client (lost ones included: the client was told they were durable, as the runner's
 * `confirmed`), lost, blocked, failed, and time without a leader.
 */
async function compareAgainstRunner(page, baseUrl, presetId, modes) {
  const native = nativeRuns(presetId, modes);
  native.catch(() => {}); // awaited below
  // The runner's end is the scenario's: 2 s after its last action or write, unless it says.
  const reports = await native;
  const end = reports[0].end_ms;
  await page.goto(`${baseUrl}#compare=${modes.join(',')}&preset=${presetId}&t=${end}`);
  await page.waitForSelector('#compare-table tbody tr', { timeout: 20000 });
  await page.waitForFunction((n) => document.querySelectorAll('#compare-table tbody tr').length === n, modes.length, { timeout: 10000 });

  const clock = await readClock(page);
  assert.equal(clock.now, end, `the compare view opens at t=${end}`);
  assert.equal(clock.end, end, 'and that is the end of the scenario');
  assert.match(await page.textContent('#compare-table caption'), new RegExp(`^At ${formatTime(end).replace('.', '\\.')}:`));
  const head = await page.$$eval('#compare-table thead th', (ths) => ths.map((t) => t.textContent.trim()));
  assert.deepEqual(head, ['mode', 'latency p50', 'latency p99', 'confirmed', 'lost', 'blocked', 'failed', 'without a leader']);
  const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  const ms = (v) => (v === null || v === undefined ? '–' : `${v} ms`);
  rows.forEach((row, i) => {
    const m = reports[i].metrics;
    const expected = [modes[i], ms(m.latency_p50_ms), ms(m.latency_p99_ms), String(m.confirmed), String(m.lost), String(m.blocked), String(m.failed), `${m.leaderless_ms} ms`];
    assert.deepEqual(row, expected, `${presetId}, ${modes[i]}: the table's row equals the native runner's figures (columns: ${head.join(', ')})`);
  });
  // Each mode's drawing says the same: its lost count and its leader.
  for (const [i, mode] of modes.entries()) {
    const panel = page.locator(`section.compare-panel[aria-label="${mode} replication"]`);
    assert.equal((await panel.locator('.lost-pill').textContent()).trim(), `${reports[i].metrics.lost} lost`, `${mode} panel's lost count`);
    assert.equal((await panel.locator('.mode-pill').textContent()).trim(), `leader ${reports[i].leader ?? 'none'}`, `${mode} panel's leader`);
  }
  return reports;
}

export async function compare_table_matches_the_native_runner_for_async_failover({ page, baseUrl, screenshot }) {
  const reports = await compareAgainstRunner(page, baseUrl, 'async-failover', ['async', 'semi-sync', 'sync']);
  // The lesson the table teaches: only the asynchronous leader lost confirmed writes.
  assert.ok(reports[0].metrics.lost > 0, 'async loses writes in this scenario');
  assert.equal(reports[1].metrics.lost + reports[2].metrics.lost, 0, 'semi-sync and sync lose none');
  await screenshot('compare');
}

export async function compare_table_matches_the_native_runner_for_split_brain_in_four_modes({ page, baseUrl }) {
  await compareAgainstRunner(page, baseUrl, 'split-brain', ['async', 'sync', 'quorum', 'chain']);
}

/**
 * A small XML well-formedness check: every tag closes in order, one root, nothing but
 * whitespace outside it (after the XML declaration). Returns the root's tag name.
 */
function checkBalancedXml(text) {
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '');
  const tags = body.match(/<\/?[A-Za-z][^>]*>/g) || [];
  const stack = [];
  let root = null;
  for (const t of tags) {
    const name = /^<\/?([A-Za-z][\w:.-]*)/.exec(t)[1];
    if (t.startsWith('</')) {
      const open = stack.pop();
      assert.equal(open, name, `</${name}> closes <${open}>`);
      if (stack.length === 0) root = root ?? name;
    } else if (!t.endsWith('/>')) {
      if (stack.length === 0) assert.equal(root, null, `a second root element <${name}>`);
      stack.push(name);
    }
  }
  assert.deepEqual(stack, [], 'every element is closed');
  assert.ok(body.trim().startsWith('<') && body.trim().endsWith('>'), 'nothing outside the root element');
  return root;
}

export async function space_time_diagram_exports_a_standalone_svg({ page, baseUrl, screenshot }) {
  // Just after the leader's crash at 1.5 s: the default quarter-second window shows writes,
  // their replication, confirmations and the crash.
  await page.goto(`${baseUrl}#preset=async-failover&t=1600`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-svg', { timeout: 10000 });
  assert.equal(await page.getAttribute('#tab-spacetime', 'aria-selected'), 'true');
  const shown = await page.$eval('#spacetime-svg', (svg) => ({
    lanes: [...svg.querySelectorAll('text.head')].map((t) => t.textContent.trim()),
    arrows: svg.querySelectorAll('line.arrow').length,
    crash: svg.querySelectorAll('text.m-crash').length,
    confirmed: svg.querySelectorAll('text.m-confirmed').length,
    label: svg.getAttribute('aria-label'),
  }));
  assert.deepEqual(shown.lanes, ['c1', 'n1', 'n2', 'n3'], 'a lane per client and per replica');
  assert.ok(shown.arrows > 10, `arrows for the messages of the last quarter second: ${shown.arrows}`);
  assert.equal(shown.crash, 1, 'the leader\'s crash is marked');
  assert.ok(shown.confirmed > 0, 'confirmations are marked');
  assert.equal(shown.label, 'Space-time diagram from 1350 ms to 1600 ms');
  await screenshot('space-time');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 15000 }),
    page.click('#export-svg'),
  ]);
  assert.equal(download.suggestedFilename(), 'asynchronous-failover-loses-confirmed-writes-space-time.svg', 'named after the scenario');
  const saved = path.join(artifacts, 'teaching-views--space-time.svg');
  await download.saveAs(saved);
  const text = fs.readFileSync(saved, 'utf8');

  // Standalone: an XML file whose root is an SVG in the SVG namespace, carrying its own colours.
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg '), `starts with the XML declaration and <svg: ${text.slice(0, 80)}`);
  assert.equal(checkBalancedXml(text), 'svg', 'well-formed, with <svg> as its one root');
  const open = /<svg\b[^>]*>/.exec(text)[0];
  assert.match(open, /\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/, 'declares the SVG namespace');
  assert.match(open, /\sviewBox="0 0 \d+ \d+"/, 'has a viewBox, so it scales');
  assert.ok(text.slice(open.length + text.indexOf(open)).startsWith('<style>'), 'a <style> comes first inside the root');
  const style = /<style>([^<]*)<\/style>/.exec(text)?.[1] || '';
  for (const rule of ['text{', '.lane{', '.arrow{', '.a-append{', '.m-confirmed{', '.m-crash{']) {
    assert.ok(style.includes(rule), `the embedded stylesheet styles ${rule.slice(0, -1)}`);
  }
  assert.ok(!/<script|href="https?:|url\(https?:|@import/i.test(text), 'no script and no external reference');

  // Parsed as an SVG document by the browser, it holds what the page showed.
  const parsed = await page.evaluate(async (svgText) => {
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const err = doc.querySelector('parsererror');
    const root = doc.documentElement;
    const ids = new Set([...doc.querySelectorAll('[id]')].map((e) => e.id));
    const arrows = [...doc.querySelectorAll('line.arrow')];
    const markers = arrows.map((a) => /^url\(#([\w-]+)\)$/.exec(a.getAttribute('marker-end') || '')?.[1]);
    // And it renders on its own, as an image with no page stylesheet around it.
    const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
    const img = new Image();
    const loaded = await new Promise((resolve) => { img.onload = () => resolve(true); img.onerror = () => resolve(false); img.src = url; });
    let inked = 0;
    if (loaded) {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
    }
    URL.revokeObjectURL(url);
    return {
      error: err ? err.textContent : null,
      rootName: root.localName,
      ns: root.namespaceURI,
      lanes: [...doc.querySelectorAll('text.head')].map((t) => t.textContent.trim()),
      arrows: arrows.length,
      markersDefined: markers.every((m) => m && ids.has(m)),
      crash: doc.querySelectorAll('text.m-crash').length,
      loaded,
      size: [img.naturalWidth, img.naturalHeight],
      inked,
    };
  }, text);
  assert.equal(parsed.error, null, 'the browser parses it as XML without error');
  assert.equal(parsed.rootName, 'svg');
  assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
  assert.deepEqual(parsed.lanes, ['c1', 'n1', 'n2', 'n3'], 'the file has the lanes n1..n3 and c1');
  assert.equal(parsed.arrows, shown.arrows, 'the file has every arrow the page showed');
  assert.ok(parsed.markersDefined, 'every arrowhead it refers to is defined in the file');
  assert.equal(parsed.crash, 1, 'the crash mark is in the file');
  assert.ok(parsed.loaded, 'it opens as an image on its own');
  assert.ok(parsed.size[0] > 0 && parsed.size[1] > 0, `with a size: ${parsed.size}`);
  assert.ok(parsed.inked > 2000, `and draws something visible without the page's stylesheet (${parsed.inked} inked pixels)`);
}

export async function metrics_tab_shows_four_charts_and_a_ledger_filtered_to_lost_writes({ page, baseUrl, screenshot }) {
  const native = runNative(presets()['async-failover'], 'async-failover');
  native.catch(() => {}); // awaited below
  const report = await native;
  const end = report.end_ms;
  await page.goto(`${baseUrl}#preset=async-failover&t=${end}`);
  await page.waitForSelector('#cluster svg .replica', { timeout: 20000 });
  await page.click('#tab-metrics');
  await page.waitForSelector('#metrics figure.chart', { timeout: 10000 });
  assert.equal(await page.getAttribute('#tab-metrics', 'aria-selected'), 'true');

  const charts = await page.$$eval('#metrics figure.chart', (figs) => figs.map((f) => ({
    caption: f.querySelector('figcaption')?.textContent.trim(),
    role: f.querySelector('svg')?.getAttribute('role'),
    label: f.querySelector('svg')?.getAttribute('aria-label'),
    lines: f.querySelectorAll('polyline.series').length,
    bars: [...f.querySelectorAll('rect.bar title')].map((t) => t.textContent),
    legend: [...f.querySelectorAll('.chart-legend li')].map((li) => li.textContent.trim()),
  })));
  assert.equal(charts.length, 4, `four charts: ${charts.map((c) => c.caption).join(' | ')}`);
  for (const c of charts) {
    assert.ok(c.caption, 'each chart has a caption');
    assert.equal(c.role, 'img', `${c.caption}: the chart is an image to assistive technology`);
    assert.ok(c.label && c.label.length > 10, `${c.caption}: with a text alternative`);
    assert.ok(c.lines > 0 || c.bars.length > 0, `${c.caption}: draws lines or bars`);
  }
  const [lagEntries, lagMs, histogram, counts] = charts;
  assert.match(lagEntries.caption, /lag.*entries/i);
  assert.match(lagMs.caption, /lag.*ms/i);
  assert.match(histogram.caption, /latency/i);
  assert.match(counts.caption, /over time/i);
  const replicas = report.replicas.map((r) => r.id);
  for (const lag of [lagEntries, lagMs]) {
    assert.deepEqual(lag.legend.map((l) => l.split(' ')[0]), replicas, `${lag.caption}: a series per replica`);
  }
  // The histogram counts every write confirmed to a client (lost ones too), as the runner does.
  const inHistogram = histogram.bars.reduce((sum, t) => sum + Number(/^(\d+) writes/.exec(t)?.[1] ?? NaN), 0);
  assert.equal(inHistogram, report.metrics.confirmed, 'the latency histogram holds every confirmed write');
  const m = report.metrics;
  assert.deepEqual(counts.legend, [`confirmed (${m.confirmed})`, `lost (${m.lost})`, `failed (${m.failed})`], 'writes over time end at the runner\'s counts');

  // The ledger: one row per write (newest first), with the runner's verdict on each.
  const readLedger = () => page.$$eval('#ledger tbody tr', (trs) => trs.map((tr) => ({
    id: tr.querySelector('th')?.textContent.trim(),
    cls: tr.className,
    cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
  })));
  const all = await readLedger();
  const writes = report.writes.slice(-400);
  assert.equal(all.length, writes.length, 'a row per write');
  const status = Object.fromEntries(writes.map((w) => [w.id, w.status === 'blocked' ? 'pending' : w.status]));
  for (const row of all) {
    assert.equal(row.cells[1], status[row.id], `${row.id}: the ledger's status is the runner's`);
    assert.equal(row.cls, `w-${status[row.id]}`);
  }
  assert.ok(all.some((r) => r.cls !== 'w-lost'), 'before filtering, the ledger lists more than the lost writes');

  await page.check('#ledger-lost-only');
  await page.waitForFunction(() => [...document.querySelectorAll('#ledger tbody tr')].every((tr) => tr.classList.contains('w-lost')), null, { timeout: 10000 });
  const lost = await readLedger();
  assert.deepEqual(lost.map((r) => r.id).sort(), [...report.lost_writes].sort(), 'only lost writes are left: exactly the runner\'s lost writes');
  for (const row of lost) {
    assert.equal(row.cells[1], 'lost');
    assert.match(row.cells[2], /^\d+ ms by n\d$/, `${row.id}: when and by whom it was confirmed`);
    assert.match(row.cells[4], /^lost at \d+ ms: \S/, `${row.id}: why it did not survive`);
  }
  await screenshot('metrics');

  await page.uncheck('#ledger-lost-only');
  await page.waitForFunction((n) => document.querySelectorAll('#ledger tbody tr').length === n, all.length, { timeout: 10000 });
}

/**
 * The three ways to copy a new follower, side by side on the same seed and workload
 * (`compare=method:…`): the table's two copy rows are the engine's, checked against the native
 * runner's report of the same scenario copied each way. The file copy is the only one whose
 * follower differs from the leader; the locked copy is the only one that refused writes.
 */
export async function compare_by_copy_method_shows_consistency_and_refused_writes({ page, baseUrl, screenshot }) {
  const methods = ['snapshot', 'file_copy', 'locked_copy'];
  const base = presets()['new-follower-file-copy'];
  const withMethod = (m) => ({ ...base, events: base.events.map((e) => (e.action === 'add_follower' ? { ...e, method: m } : e)) });
  const reports = await Promise.all(methods.map((m) => runNative(withMethod(m), `file-copy-${m}`)));
  const end = reports[0].end_ms;
  await page.goto(`${baseUrl}#compare=method:${methods.join(',')}&preset=new-follower-file-copy&t=${end}`);
  await page.waitForSelector('#compare-table tbody tr', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll('#compare-table tbody tr').length === 3, null, { timeout: 10000 });
  const head = await page.$$eval('#compare-table thead th', (ths) => ths.map((t) => t.textContent.trim()));
  assert.deepEqual(head, ['copy method', 'latency p50', 'latency p99', 'confirmed', 'lost', 'blocked', 'failed', 'without a leader', 'follower consistent with the leader', 'time writes were refused']);
  const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  rows.forEach((row, i) => {
    const r = reports[i];
    assert.equal(row[0], methods[i]);
    assert.equal(row[3], String(r.metrics.confirmed), `${methods[i]}: confirmed as the runner says`);
    const differs = (r.differs_from_leader ?? []).flatMap((d) => d.keys);
    if (differs.length === 0) {
      assert.equal(row[8], 'yes', `${methods[i]}: the follower is consistent`);
    } else {
      assert.match(row[8], new RegExp(`^no: ${differs[0]}\\b`), `${methods[i]}: the follower differs, naming a key`);
    }
    assert.equal(row[9], `${r.metrics.writes_locked_ms ?? 0} ms`, `${methods[i]}: time writes were refused`);
  });
  assert.equal(rows[0][8], 'yes');
  assert.match(rows[1][8], /^no: /, 'the file copy leaves the follower inconsistent');
  assert.equal(rows[2][8], 'yes');
  assert.equal(rows[0][9], '0 ms');
  assert.equal(rows[1][9], '0 ms');
  assert.ok(parseInt(rows[2][9], 10) > 400, `the locked copy refused writes for ${rows[2][9]}`);
  assert.ok(!reports[1].file_copies[0].matches_a_leader_state, 'the runner agrees: the copy matches no state');
  for (const m of methods) assert.equal(await page.locator(`section.compare-panel[aria-label="${m} copy"]`).count(), 1, `${m} has its panel`);
  // The header's Compare item is the current page here as for modes (it was "Compare modes").
  assert.equal((await page.textContent('.app-nav a[aria-current="page"]')).trim(), 'Compare');
  await screenshot('compare-copy-methods');
  // A method outside the set is refused in plain words naming the allowed ones.
  await page.goto(`${baseUrl}#compare=method:snapshot,rsync&preset=new-follower-file-copy`);
  await page.waitForSelector('#notice', { timeout: 10000 });
  const notice = (await page.textContent('#notice')).trim();
  assert.match(notice, /“rsync” is not a way to copy a new follower \(the ways are snapshot, locked_copy, file_copy\)/);
}
