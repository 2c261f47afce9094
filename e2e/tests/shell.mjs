// The app shell: it loads cleanly, looks right at phone width and in both themes, works from a
// sub-path, and shows the error panel (never a blank page) when the app panics.
import assert from 'node:assert/strict';
import fs from 'node:fs';

export async function page_loads_with_header_and_no_console_errors({ page, baseUrl, screenshot, consoleErrors, pageErrors }) {
  await page.goto(baseUrl);
  await page.waitForSelector('header h1');
  assert.equal((await page.textContent('header h1')).trim(), 'Replication Lab');
  assert.ok(await page.isVisible('#cluster'), '#cluster (the future SVG stage) is on the page');
  assert.match(await page.title(), / · Replication Lab$/, 'the tab names the scenario, then the lab');
  // The runner fails the test on console errors too; checked here as well to say it plainly.
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await screenshot('desktop');
}

export async function the_page_title_names_the_scenario_in_the_lab_a_lesson_and_the_embed({ page, baseUrl }) {
  const titleOf = (id) => JSON.parse(fs.readFileSync(new URL(`../../scenarios/${id}.json`, import.meta.url), 'utf8')).title;
  for (const [fragment, id] of [['#preset=split-brain', 'split-brain'], ['#lesson=async-failover', 'async-failover']]) {
    await page.goto(`${baseUrl}${fragment}`);
    await page.waitForSelector('#cluster svg');
    await page.waitForFunction((t) => document.title === t, `${titleOf(id)} · Replication Lab`, { timeout: 5000 });
  }
  await page.goto(`${baseUrl}?embed#preset=semi-sync`);
  await page.waitForSelector('#cluster svg');
  await page.waitForFunction((t) => document.title === t, `${titleOf('semi-sync')} · Replication Lab`, { timeout: 5000 });
}

export async function panic_fragment_shows_error_panel({ page, baseUrl, screenshot, allowPageErrors }) {
  allowPageErrors(); // the panic is deliberate, and it aborts the wasm module
  const url = `${baseUrl}#__panic_test`;
  await page.goto(url);
  const panel = await page.waitForSelector('#rl-panic-panel', { state: 'visible' });
  const text = await panel.textContent();
  assert.match(text, /Replication Lab hit an internal error/);
  // The release build runs the panic hook before it aborts: the panel gives Rust's message,
  // and the link replays the run.
  assert.match(text, /deliberate panic requested by the `__panic_test` URL fragment/, "the panel gives Rust's message");
  assert.equal((await page.textContent('#rl-panic-panel .panic-url')).trim(), url, 'the page URL (the scenario link) is shown');
  const report = await page.inputValue('#rl-panic-report');
  assert.match(report, /deliberate panic requested/);
  assert.match(report, /panicked at src\/app\.rs/, 'the report says where');
  assert.match(report, /\n\nPage: http/, 'the report is laid out on lines');
  assert.ok(report.includes(url), 'the report holds the page URL');
  // The panel covers the viewport, so the page cannot look blank or half-drawn.
  const box = await panel.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box.width >= viewport.width - 1 && box.height >= viewport.height - 1, `panel covers the page: ${JSON.stringify(box)}`);
  // The report is selectable for copying.
  await page.click('text=Copy report');
  const selected = await page.evaluate(() => {
    const t = document.getElementById('rl-panic-report');
    return t.selectionEnd - t.selectionStart;
  });
  assert.equal(selected, report.length, 'Copy report selects the whole report');
  await screenshot('panic-panel');
}

export async function panic_panel_shows_a_message_as_text_not_markup({ page, baseUrl }) {
  // The panic hook hands Rust's message to the panel (src/panic_panel.rs).
  await page.goto(baseUrl);
  await page.waitForSelector('header h1');
  const message = 'panicked at src/app.rs:1:1:\n<b>not bold</b>';
  await page.evaluate((m) => window.rlShowPanic(m), message);
  const panel = await page.waitForSelector('#rl-panic-panel', { state: 'visible' });
  assert.ok((await panel.textContent()).includes('<b>not bold</b>'), 'the message is shown as text');
  assert.equal(await page.$('#rl-panic-panel b'), null, 'and not parsed as markup');
  assert.ok((await page.inputValue('#rl-panic-report')).includes(message), 'the report holds the message');
  assert.equal(await page.getAttribute('#app', 'inert'), '', 'the stopped app is out of the keyboard order');
}

export async function fits_a_360px_phone_in_both_themes({ page, baseUrl, screenshot }) {
  await page.setViewportSize({ width: 360, height: 740 });
  const backgrounds = {};
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.goto(baseUrl);
    await page.waitForSelector('header h1');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 360px in ${colorScheme} theme (overflow ${overflow}px)`);
    backgrounds[colorScheme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await screenshot(`phone-${colorScheme}`);
  }
  assert.notEqual(backgrounds.light, backgrounds.dark, 'the dark theme changes the page colours');
}

export async function reduced_motion_turns_transitions_off({ page, baseUrl }) {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(baseUrl);
  await page.waitForSelector('header h1');
  const transition = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--transition').trim());
  assert.equal(transition, '0s');
}

export async function works_from_a_sub_path({ page, serveAt }) {
  // Relative asset URLs (public_url = "./") let a course page host the lab anywhere.
  const server = await serveAt('/course/unit1/lab/');
  await page.goto(server.url);
  await page.waitForSelector('header h1');
  assert.equal((await page.textContent('header h1')).trim(), 'Replication Lab');
}
