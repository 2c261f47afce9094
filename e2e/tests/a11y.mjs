// Accessibility audit with axe-core (the npm package, injected into the page; nothing leaves
// loopback): every view a reader meets, in the light and the dark colour scheme. A test fails
// on any violation of impact "serious" or "critical"; every violation, whatever its impact, is
// printed with its rule, impact, help text and the selectors of the nodes it concerns, and
// written to e2e/artifacts/a11y--<view>-<scheme>.json for the record.
//
// axe cannot judge the contrast of SVG text (it cannot tell what lies behind it); it reports
// such nodes as "incomplete", and the summary line counts them so that nobody mistakes them for
// checked. For those, this file adds its own, simpler measurement (svgTextContrast below):
// informational, printed and recorded, never failing a test.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_VERSION = require('axe-core/package.json').version;
const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const FAILING = new Set(['serious', 'critical']);

/** Runs axe on the page as it is now; returns { violations, incomplete } as axe reports them. */
async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE_PATH });
  }
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    const slim = (v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' '), html: n.html.slice(0, 200) })),
    });
    return { violations: r.violations.map(slim), incomplete: r.incomplete.map(slim) };
  });
}

/**
 * In the page: SVG text whose fill contrasts with what is painted behind it (the first filled
 * SVG shape under its centre, else the nearest opaque HTML background) less than WCAG 1.4.3
 * asks (4.5:1, 3:1 for large text). Only text whose centre is in the viewport is measured.
 * Returns the shortfalls grouped by (class, colours, ratio) with a count and an example.
 */
function svgTextContrast() {
  const parse = (c) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c || '');
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const describe = (e) => `${e.localName}${e.getAttribute('class') ? `.${e.getAttribute('class').trim().split(/\s+/).join('.')}` : ''}`;
  const behind = (el, x, y) => {
    const stack = document.elementsFromPoint(x, y);
    for (const e of stack.slice(stack.indexOf(el) + 1)) {
      const cs = getComputedStyle(e);
      if (e instanceof SVGElement) {
        if (['rect', 'circle', 'ellipse', 'path', 'polygon'].includes(e.localName)) {
          const f = parse(cs.fill);
          if (f && f[3] > 0.5 && Number(cs.fillOpacity) * Number(cs.opacity) > 0.5) return { color: f, by: describe(e) };
        }
        continue;
      }
      const b = parse(cs.backgroundColor);
      if (b && b[3] > 0.5) return { color: b, by: describe(e) };
    }
    return { color: parse(getComputedStyle(document.body).backgroundColor) || [255, 255, 255, 1], by: 'body' };
  };
  const groups = new Map();
  for (const t of document.querySelectorAll('svg text')) {
    const r = t.getBoundingClientRect();
    const [cx, cy] = [r.left + r.width / 2, r.top + r.height / 2];
    if (r.width < 1 || r.height < 1 || cx < 0 || cy < 0 || cx >= innerWidth || cy >= innerHeight) continue;
    const cs = getComputedStyle(t);
    const fg = parse(cs.fill);
    if (!fg || cs.visibility === 'hidden' || Number(cs.opacity) === 0 || !t.textContent.trim()) continue;
    const bg = behind(t, cx, cy);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
    const need = large ? 3 : 4.5;
    const got = Math.round(ratio(fg, bg.color) * 100) / 100;
    if (got >= need) continue;
    const within = t.closest('[id], section[aria-label]');
    const key = `${describe(t)}|${cs.fill}|${bg.by} rgb(${bg.color.slice(0, 3).join(', ')})|${got}`;
    const g = groups.get(key) || { text: describe(t), fill: cs.fill, behind: `${bg.by} rgb(${bg.color.slice(0, 3).join(', ')})`, ratio: got, need, count: 0, example: t.textContent.trim().slice(0, 40), within: within ? (within.id ? `#${within.id}` : within.getAttribute('aria-label')) : '' };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** The colour scheme the page really sees (to be sure the emulation took). */
const schemeOf = (page) => page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));

/**
 * Audits each state `visit` brings the page to (visit calls `check(label)` at each), prints
 * every violation, and fails on serious or critical ones.
 */
function audit(view, scheme, visit, { viewport } = {}) {
  return async ({ page, baseUrl }) => {
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: scheme });
    const failures = [];
    const record = [];
    const check = async (label) => {
      assert.equal(await schemeOf(page), scheme, `the page sees the ${scheme} colour scheme`);
      const { violations, incomplete } = await runAxe(page);
      const svgContrast = await page.evaluate(svgTextContrast);
      const name = label === view ? view : `${view} › ${label}`;
      record.push({ state: name, scheme, url: page.url(), violations, incomplete, svgTextContrast: svgContrast });
      const review = incomplete.filter((v) => v.id === 'color-contrast').reduce((n, v) => n + v.nodes.length, 0);
      console.log(`    a11y ${name} (${scheme}): ${violations.length} violation(s)${review ? `; color-contrast needs review on ${review} node(s) axe cannot judge (SVG text)` : ''}`);
      for (const v of violations) {
        console.log(`      [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} node(s)) ${v.helpUrl}`);
        for (const n of v.nodes) console.log(`          ${n.target}`);
        if (FAILING.has(v.impact)) failures.push(`${name}: [${v.impact}] ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target).join(' | ')}`);
      }
      for (const c of svgContrast) {
        console.log(`      [info] svg-text-contrast (own check, not axe): ${c.ratio}:1 < ${c.need}:1 — ${c.text} "${c.example}" fill ${c.fill} on ${c.behind} in ${c.within || 'the page'} (${c.count} node(s))`);
      }
    };
    await visit(page, baseUrl, check);
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, `a11y--${view}-${scheme}.json`), JSON.stringify({ axe: AXE_VERSION, results: record }, null, 2));
    assert.ok(record.length > 0, 'at least one state was audited');
    if (failures.length) {
      throw new Error(`axe ${AXE_VERSION} found ${failures.length} serious or critical violation(s) in ${view} (${scheme}):\n${failures.join('\n')}`);
    }
  };
}

// The states audited ---------------------------------------------------------------------------

const ready = (page) => page.waitForSelector('#cluster svg .replica', { timeout: 20000 });

/** The lab as it opens (the sandbox), then its Space-time and Metrics tabs. */
async function lab(page, baseUrl, check) {
  await page.goto(baseUrl);
  await ready(page);
  await check('cluster');
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-svg', { timeout: 10000 });
  await check('space-time tab');
  await page.click('#tab-metrics');
  await page.waitForSelector('#metrics figure.chart', { timeout: 10000 });
  await check('metrics tab');
}

/**
 * The lab with a whole run behind it (the async-failover preset at its end): lost writes,
 * a long event log, a full ledger and a busy diagram — content the sandbox at 0 ms lacks.
 */
async function labAfterRun(page, baseUrl, check) {
  await page.goto(`${baseUrl}#preset=async-failover&t=6000`);
  await ready(page);
  await check('cluster');
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-svg', { timeout: 10000 });
  await check('space-time tab');
  await page.click('#tab-metrics');
  await page.waitForSelector('#metrics figure.chart', { timeout: 10000 });
  await check('metrics tab');
}

async function compare(page, baseUrl, check) {
  await page.goto(`${baseUrl}#compare=async,semi-sync,sync&preset=async-failover`);
  await page.waitForSelector('#compare-table tbody tr', { timeout: 20000 });
  await page.waitForSelector('section.compare-panel svg .replica');
  await check('compare');
}

/** A lesson held at its first key moment (after Play), then its outcome at the end. */
async function lesson(page, baseUrl, check) {
  await page.goto(`${baseUrl}#lesson=async-failover`);
  await ready(page);
  await page.click('#play');
  await page.waitForSelector('#lesson-pause #continue', { timeout: 20000 });
  await check('held at a key moment');
  // On to the end, fast, for the outcome's list of checks.
  await page.focus('.controls .speed input[type=range]');
  await page.keyboard.press('End');
  for (let i = 0; i < 20; i++) {
    const el = await page.waitForSelector('#lesson-pause, #lesson-outcome', { timeout: 20000 });
    if ((await el.getAttribute('id')) === 'lesson-outcome') break;
    const clock = await page.textContent('.controls .clock');
    await page.click('#continue');
    // The next hold can follow within a frame: wait for the clock to move on, not for a gap.
    await page.waitForFunction((c) => !document.getElementById('lesson-pause')
      || document.querySelector('.controls .clock')?.textContent !== c, clock, { timeout: 10000 });
  }
  await page.waitForSelector('#lesson-outcome', { timeout: 20000 });
  await check('outcome');
}

/** Chain replication drawn as a chain, n2 spliced out; then the diagram following one write. */
async function chain(page, baseUrl, check) {
  await page.goto(`${baseUrl}#preset=chain&t=2500`);
  await ready(page);
  await check('chain after a splice');
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-svg', { timeout: 10000 });
  const w = await page.$eval('#st-write option:nth-child(3)', (o) => o.value);
  await page.selectOption('#st-write', w);
  await page.waitForSelector('#st-show-all', { timeout: 10000 });
  await check('space-time following one write');
}

async function gallery(page, baseUrl, check) {
  await page.goto(`${baseUrl}#lessons`);
  await page.waitForSelector('.gallery .card a.start', { timeout: 20000 });
  await check('gallery');
}

async function embed(page, baseUrl, check) {
  await page.goto(`${baseUrl}?embed#preset=split-brain&t=2600`);
  await ready(page);
  await check('embed');
}

/**
 * Presenter mode on a projector: a lesson as it opens, then held at its first key moment
 * (PageDown), then with the Record form open.
 */
async function presenter(page, baseUrl, check) {
  await page.goto(`${baseUrl}?present#lesson=async-failover`);
  await ready(page);
  await page.waitForSelector('#present-caption');
  await check('opening');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => /^Key moment 1 /.test(document.querySelector('#present-caption .counter')?.textContent || ''));
  await check('at a key moment');
  await page.click('.recorder summary');
  await page.waitForSelector('#record', { state: 'visible' });
  await check('record form');
}

const PHONE_EMBED = { viewport: { width: 360, height: 400 } };
const PROJECTOR = { viewport: { width: 1920, height: 1080 } };

export const lab_light = audit('lab', 'light', lab);
export const lab_dark = audit('lab', 'dark', lab);
export const lab_after_a_run_light = audit('lab-after-run', 'light', labAfterRun);
export const lab_after_a_run_dark = audit('lab-after-run', 'dark', labAfterRun);
export const compare_light = audit('compare', 'light', compare);
export const compare_dark = audit('compare', 'dark', compare);
export const lesson_light = audit('lesson', 'light', lesson);
export const lesson_dark = audit('lesson', 'dark', lesson);
export const chain_light = audit('chain', 'light', chain);
export const chain_dark = audit('chain', 'dark', chain);
export const gallery_light = audit('gallery', 'light', gallery);
export const gallery_dark = audit('gallery', 'dark', gallery);
export const embed_360x400_light = audit('embed', 'light', embed, PHONE_EMBED);
export const embed_360x400_dark = audit('embed', 'dark', embed, PHONE_EMBED);
export const presenter_1920x1080_light = audit('presenter', 'light', presenter, PROJECTOR);
export const presenter_1920x1080_dark = audit('presenter', 'dark', presenter, PROJECTOR);
