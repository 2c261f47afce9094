// Issue 14, item 2: chain replication drawn as a chain. The head sits on the clients' side and
// the members follow in the engine's order to the tail; a crashed member, once spliced out,
// sits outside the chain; when it comes back it is drawn joining after the tail, then in the
// chain as its new tail. The order drawn is compared with the one the engine's view gives
// (the drawing's data-chain attribute, filled from the view) and with the preset's story.
import assert from 'node:assert/strict';
import { openLab } from '../helpers.mjs';

/** The chain as drawn: the engine's order, and each replica's box centre and standing. */
function drawnChain(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('#cluster svg');
    const replicas = [...svg.querySelectorAll('.replica')].map((g) => {
      const b = g.querySelector('rect.box').getBBox();
      const status = ['member', 'outside', 'joining'].find((s) => g.classList.contains(`chain-${s}`)) ?? null;
      return { id: g.querySelector('.name').textContent.trim(), x: b.x + b.width / 2, y: b.y + b.height / 2, status };
    });
    const link = (a, b) => [...svg.querySelectorAll('.link')].find((l) => {
      const name = l.querySelector('.hit').getAttribute('aria-label');
      return name.startsWith(`Link ${a} to ${b}:`) || name.startsWith(`Link ${b} to ${a}:`);
    });
    const kind = (a, b) => {
      const l = link(a, b);
      return l.classList.contains('link-chain') ? 'chain' : l.classList.contains('link-unused') ? 'unused' : 'other';
    };
    const client = svg.querySelector('.client circle').getBBox();
    return {
      engine: (svg.getAttribute('data-chain') || '').split(' ').filter(Boolean),
      replicas,
      clientX: client.x + client.width / 2,
      links: { n1n2: kind('n1', 'n2'), n1n3: kind('n1', 'n3'), n3n4: kind('n3', 'n4'), n4n2: kind('n4', 'n2'), n2n3: kind('n2', 'n3') },
    };
  });
}

/** The members drawn in the row of the head, left to right (the chain preset fits one row). */
const leftToRight = (d) => {
  const head = d.replicas.find((r) => r.id === d.engine[0]);
  return d.replicas.filter((r) => r.status === 'member' && Math.abs(r.y - head.y) < 1).sort((a, b) => a.x - b.x).map((r) => r.id);
};
const byId = (d, id) => d.replicas.find((r) => r.id === id);

export async function the_chain_is_drawn_in_the_engines_order_through_a_splice_and_a_rejoin({ page, baseUrl, screenshot }) {
  // Before the crash: n1 → n2 → n3 → n4, the head next to the client.
  await openLab(page, `${baseUrl}#preset=chain&t=1000`);
  let d = await drawnChain(page);
  assert.deepEqual(d.engine, ['n1', 'n2', 'n3', 'n4'], 'the engine gives the whole chain');
  assert.deepEqual(leftToRight(d), d.engine, 'drawn head to tail, left to right');
  assert.ok(d.clientX < byId(d, 'n1').x, 'the head is on the clients\' side');
  assert.equal(d.links.n1n2, 'chain', 'a hop of the chain is drawn as one');
  assert.equal(d.links.n1n3, 'unused', 'a link the chain does not use is faint');

  // n2 crashed at 1.5 s and the head spliced it out at 1.9 s: n1 → n3 → n4.
  await openLab(page, `${baseUrl}#preset=chain&t=2500`);
  d = await drawnChain(page);
  assert.deepEqual(d.engine, ['n1', 'n3', 'n4'], 'the engine has spliced n2 out');
  assert.deepEqual(leftToRight(d), d.engine, 'the drawn order is the engine\'s after the splice');
  const n2 = byId(d, 'n2');
  assert.equal(n2.status, 'outside');
  assert.ok(n2.y > byId(d, 'n1').y + 60, `the spliced-out n2 sits below the chain (${n2.y} vs ${byId(d, 'n1').y})`);
  assert.equal(d.links.n1n3, 'chain', 'n1 now sends straight to n3');
  assert.equal(d.links.n1n2, 'unused');
  await screenshot('chain-spliced');

  // Restarted at 3 s, n2 catches up from the tail, n4, drawn after it, joining.
  await openLab(page, `${baseUrl}#preset=chain&t=3050`);
  d = await drawnChain(page);
  assert.deepEqual(d.engine, ['n1', 'n3', 'n4'], 'not yet in the chain');
  assert.equal(byId(d, 'n2').status, 'joining');
  assert.ok(byId(d, 'n2').x > byId(d, 'n4').x, 'the returning n2 is drawn after the tail');
  assert.equal(d.links.n4n2, 'chain', 'the tail brings it up to date');

  // At 3.1 s the head adds it: n1 → n3 → n4 → n2, n2 the new tail.
  await openLab(page, `${baseUrl}#preset=chain&t=3500`);
  d = await drawnChain(page);
  assert.deepEqual(d.engine, ['n1', 'n3', 'n4', 'n2'], 'n2 joined at the tail');
  assert.deepEqual(leftToRight(d), d.engine, 'the drawn order is the engine\'s after the rejoin');
  assert.equal(d.links.n2n3, 'unused', 'n2 and n3 are not neighbours now');
  const badge = await page.$eval('#cluster .replica.chain-member:nth-of-type(2) .badge', (t) => t.textContent);
  assert.equal(badge, 'tail', 'n2 wears the tail\'s badge');
}

export async function other_modes_keep_the_ring({ page, baseUrl }) {
  await openLab(page, `${baseUrl}#preset=async-failover&t=1000`);
  const shown = await page.evaluate(() => ({
    chain: document.querySelector('#cluster svg').getAttribute('data-chain'),
    styled: document.querySelectorAll('#cluster .link-chain, #cluster .link-unused, #cluster [class*="chain-"]').length,
  }));
  assert.deepEqual(shown, { chain: null, styled: 0 }, 'no chain outside chain replication');
}
