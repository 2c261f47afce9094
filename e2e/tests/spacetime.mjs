// Issue 14, item 3: a space-time diagram a reader can follow. A message lost on the wire has
// its own mark (a hollow ring where it stopped), distinct from a replica's crash (a red ✕ on
// its own lane), and a legend says which is which. The default window holds a handful of
// writes, and the reader can follow one write, by picking it (keyboard) or clicking one of its
// arrows: only its request, appends, acknowledgements and reply are drawn, which the engine
// decides from the log positions its messages carry.
import assert from 'node:assert/strict';
import { openLab, settle } from '../helpers.mjs';

/** What the diagram draws: lanes' x, arrows (kind, ends, write), marks and the legend's words. */
function diagram(page) {
  return page.evaluate(() => {
    const svg = document.getElementById('spacetime-svg');
    const lanes = {};
    for (const g of svg.querySelectorAll('text.head')) lanes[g.textContent.trim()] = Number(g.getAttribute('x'));
    const arrows = [...svg.querySelectorAll('g.arrow-hit')].map((g) => {
      const l = g.querySelector('line.arrow');
      const kind = [...l.classList].find((c) => c.startsWith('a-')).slice(2);
      return {
        kind,
        x1: Number(l.getAttribute('x1')), x2: Number(l.getAttribute('x2')), y2: Number(l.getAttribute('y2')),
        lost: l.getAttribute('marker-end') === 'url(#st-lost)',
        write: g.getAttribute('data-write'),
        title: g.querySelector('title').textContent,
      };
    });
    return {
      label: svg.getAttribute('aria-label'),
      lanes,
      arrows,
      crashes: [...svg.querySelectorAll('text.m-crash')].map((t) => Number(t.getAttribute('x'))),
      confirmed: [...svg.querySelectorAll('text.m-confirmed, text.m-lost')].map((t) => t.textContent.trim()),
      legend: [...svg.querySelectorAll('.st-legend .legend-item')].map((g) => g.textContent.trim()),
      oldCross: !!svg.querySelector('#st-x'),
      picked: document.getElementById('st-write').value,
      window: document.getElementById('st-window').value,
    };
  });
}

async function openSpaceTime(page, url) {
  await openLab(page, url);
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-svg', { timeout: 10000 });
}

export async function a_message_lost_on_the_wire_is_marked_apart_from_a_crash_with_a_legend({ page, baseUrl }) {
  // async-failover: n1 crashes at 1.5 s with appends on their way to n2 and n3 (100 ms away).
  await openSpaceTime(page, `${baseUrl}#preset=async-failover&t=1600`);
  const d = await diagram(page);
  assert.equal(d.window, '250', 'a quarter of a second by default');
  for (const words of ['lost on the wire', 'replica crashed', 'replica down', 'acknowledgement', 'write confirmed']) {
    assert.ok(d.legend.some((l) => l.endsWith(words)), `the legend explains "${words}": ${d.legend.join(' | ')}`);
  }
  assert.equal(d.oldCross, false, 'no red cross at the end of lost messages');
  assert.deepEqual(d.crashes.length, 1, 'one crash');
  assert.ok(d.crashes[0] < d.lanes.n1 && d.crashes[0] > d.lanes.c1, 'marked on n1\'s lane (its label to the left)');
  const cutShort = d.arrows.filter((a) => a.lost && a.x1 === d.lanes.n1 && a.x2 > a.x1);
  assert.ok(cutShort.length > 0, 'n1\'s appends to its followers were lost on the wire');
  for (const a of cutShort) {
    const target = /→ (n\d)/.exec(a.title)[1];
    assert.ok(a.x2 < d.lanes[target] - 5,
      `a message lost when n1 crashed ends on the wire, short of its receiver's lane: ${a.title} at x ${a.x2} (lanes ${JSON.stringify(d.lanes)})`);
  }
}

export async function one_write_is_followed_alone_and_the_selection_clears({ page, baseUrl, screenshot }) {
  // The chain: a write goes down n1 → n2 → n3 → n4, each acknowledges back up, n4 confirms.
  await openSpaceTime(page, `${baseUrl}#preset=chain&t=1200`);
  const all = await diagram(page);
  assert.ok(all.arrows.length > 20, `every write's messages at first: ${all.arrows.length}`);

  // Keyboard: pick a write in the list.
  await page.focus('#st-write');
  const options = await page.$$eval('#st-write option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(options.length >= 3, `the writes of the window can be picked: ${options}`);
  const w = options[Math.floor(options.length / 2) - 1];
  await page.selectOption('#st-write', w);
  await settle(page);
  let d = await diagram(page);
  assert.match(d.label, new RegExp(`only the messages of w${Number(w) + 1}$`));
  const hops = d.arrows.map((a) => `${a.kind} ${Object.keys(d.lanes).find((k) => d.lanes[k] === a.x1)}`);
  assert.deepEqual(hops.filter((h) => h.startsWith('append')), ['append n1', 'append n2', 'append n3'], `down the chain in order: ${hops}`);
  assert.deepEqual(hops.filter((h) => h.startsWith('ack')).sort(), ['ack n2', 'ack n3', 'ack n4'], `acknowledged back up: ${hops}`);
  assert.deepEqual(hops.filter((h) => /client|reply/.test(h)).sort(), ['client_write c1', 'write_reply n4'], `the tail confirms: ${hops}`);
  assert.deepEqual(d.confirmed, [`✓ w${Number(w) + 1}`], 'only its own confirmation is marked');
  await screenshot('spacetime-one-write');

  // Clear with the button; then click an arrow to follow its write; Escape clears too.
  await page.click('#st-show-all');
  d = await diagram(page);
  assert.equal(d.arrows.length, all.arrows.length, 'every write again');
  assert.equal(d.picked, '');
  const target = d.arrows.find((a) => a.kind === 'client_write' && a.write);
  await page.click(`#spacetime-svg g.arrow-hit[data-write="${target.write}"] line.hit >> nth=0`, { force: true });
  d = await diagram(page);
  assert.equal(d.picked, target.write, 'clicking an arrow follows its write');
  assert.ok(d.arrows.length < 12, `only its messages: ${d.arrows.length}`);
  await page.focus('#st-write');
  await page.keyboard.press('Escape');
  d = await diagram(page);
  assert.equal(d.picked, '', 'Escape shows every write again');
}
