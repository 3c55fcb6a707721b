#!/usr/bin/env node
// The classroom page of `agora serve` in a real browser (Debian's Chromium, driven by
// playwright-core), against a running server:
//
//   (a) the charts draw (one canvas per metric, with pixels in the regimes' colours) and
//       update after Start (the step counter and the series grow; nothing moves while paused);
//   (b) moving the free-rider slider starts a new run whose series differ from the previous
//       run's, which stays as the comparison;
//   (c) the CSV and TOML downloads (after pausing with Space and stepping with S) match what
//       the page was sent; with AGORA_BIN set, `agora run` of the TOML reproduces the CSV
//       byte for byte;
//   (d) every request the page makes goes to 127.0.0.1 (and a closed proxy catches the rest);
//   (e) screenshots at desktop (1280x800) and phone (390x844) width, with layout checks;
//   (f) a bad setting (free riders = 1.5) gets HTTP 400 and its message is shown on the page,
//       next to the control and in the status line;
//   (g) 20 concurrent clients (SSE streams from Node) all get step events, without error.
//
// Run:   cd tests/browser && npm ci && node classroom.mjs
// Env:   AGORA_SERVE_CMD  the server command, run by sh from the current folder (default:
//                         target/release/agora serve scenarios/showcase.toml --port 0, run from
//                         the repository root); it must print http://127.0.0.1:PORT/ on stdout
//        AGORA_BIN        an agora binary (relative to the current folder): check (c) then
//                         re-runs the downloaded TOML
//        AGORA_SCREENSHOT_DIR  where to write classroom_desktop.png and classroom_phone.png
//        AGORA_CHROMIUM   the browser (default /usr/bin/chromium; apt-get install -y chromium)
// Exit status 0 when every check passed; otherwise 1, with the failures listed.

import { chromium } from 'playwright-core';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVE_CMD = process.env.AGORA_SERVE_CMD || 'target/release/agora serve scenarios/showcase.toml --port 0';
// A command or binary given in the environment is relative to where the test was started.
const SERVE_CWD = process.env.AGORA_SERVE_CMD ? process.cwd() : ROOT;
const AGORA_BIN = process.env.AGORA_BIN ? path.resolve(process.env.AGORA_BIN) : null;
const SHOT_DIR = process.env.AGORA_SCREENSHOT_DIR ? path.resolve(process.env.AGORA_SCREENSHOT_DIR) : null;
const CHROMIUM = process.env.AGORA_CHROMIUM || '/usr/bin/chromium';
const FREE_RIDER_KEY = 'population.strategies.free_rider';
const CLIENTS = 20;
const WATCHDOG_MS = 150_000;

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];
let server = null;
let context = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-classroom-'));

class CheckFailure extends Error {}
function assert(cond, message) { if (!cond) throw new CheckFailure(message); }

async function check(name, fn) {
  const start = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    const msg = err instanceof CheckFailure ? err.message : (err && err.stack) || String(err);
    console.log(`FAIL  ${name} (${((Date.now() - start) / 1000).toFixed(1)} s): ${msg}`);
  }
}

async function waitFor(what, fn, timeoutMs = 10_000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new CheckFailure(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

// ---------- the server ----------
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', SERVE_CMD], { cwd: SERVE_CWD, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    const tail = [];
    const keep = (line) => { tail.push(line); if (tail.length > 40) tail.shift(); };
    let buf = '';
    let found = false;
    const timer = setTimeout(() => {
      if (!found) reject(Object.assign(new Error(`the server printed no http://127.0.0.1:PORT/ line within 30 s.\nCommand: ${SERVE_CMD}\nOutput:\n${tail.join('\n')}`), { setup: true }));
    }, 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        keep(line);
        const m = !found && /http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
        if (m) { found = true; clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}/`); }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { for (const l of chunk.split('\n')) if (l) keep(l); });
    child.on('exit', (code, signal) => {
      server = null;
      if (!found) { clearTimeout(timer); reject(Object.assign(new Error(`the server exited (${signal || code}) before printing its URL.\nCommand: ${SERVE_CMD}\nOutput:\n${tail.join('\n')}`), { setup: true })); }
    });
    child.on('error', (err) => reject(err));
  });
}

async function stopServer() {
  const child = server;
  if (!child) return;
  const gone = new Promise((r) => child.once('exit', r));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  await Promise.race([gone, sleep(3000)]);
  if (server) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
}

// ---------- SSE from Node ----------
// Reads an event stream; calls onEvent(type, data) for each event until the signal aborts.
async function readEvents(url, signal, onEvent) {
  const res = await fetch(url, { signal, headers: { Accept: 'text/event-stream' } });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  const type = res.headers.get('content-type') || '';
  if (!type.startsWith('text/event-stream')) throw new Error(`GET ${url} has Content-Type ${type}, not text/event-stream`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'event') event = v;
          else if (field === 'data') data.push(v);
        }
        if (data.length) onEvent(event, data.join('\n'));
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

// ---------- page helpers ----------
const snap = (page) => page.evaluate(() => window.agoraPage.snapshot());

async function blurAll(page) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); });
}

// Pixels that are not transparent, and pixels near each colour, on every chart canvas.
async function canvasStats(page, colours) {
  return page.evaluate((cols) => {
    const rgb = cols.map((h) => { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; });
    return [...document.querySelectorAll('#chart-grid canvas')].map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let painted = 0;
      const near = rgb.map(() => 0);
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted++;
        if (data[i + 3] < 200) continue;
        for (let k = 0; k < rgb.length; k++) {
          const [r, g, b] = rgb[k];
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40) near[k]++;
        }
      }
      return { w: c.width, h: c.height, painted, near };
    });
  }, colours);
}

// Parses a timeseries CSV into {header, rows: [{regime, step, cells}]}.
function parseCsv(text) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => {
    const f = l.split(',');
    return { regime: f[0], replicate: f[1], step: Number(f[2]), cells: f };
  });
  return { header, rows };
}

async function main() {
  const watchdog = setTimeout(async () => {
    console.log(`FAIL  watchdog: the test did not finish within ${WATCHDOG_MS / 1000} s`);
    await stopServer();
    process.exit(1);
  }, WATCHDOG_MS);

  if (!fs.existsSync(CHROMIUM)) {
    throw Object.assign(new Error(`no browser at ${CHROMIUM}: install Debian's Chromium (apt-get install -y chromium) or set AGORA_CHROMIUM`), { setup: true });
  }
  const base = await startServer();
  console.log(`server: ${base} (${SERVE_CMD}), after ${secs()} s`);
  const origin = new URL(base).origin;

  const cfgRes = await fetch(new URL('api/config', base));
  assert(cfgRes.ok, `GET /api/config answered ${cfgRes.status}`);
  const config = await cfgRes.json();
  const entries = config.entries.map((e) => e.label);
  const colours = config.entries.map((e) => e.colour);
  const metrics = config.metrics.map((m) => m.name);
  console.log(`config: ${config.scenario}; entries ${entries.join(', ')}; metrics ${metrics.join(', ')}; ${config.controls.length} controls`);

  const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Anything not on loopback goes to a closed port, so a broken page still reaches nothing.
      '--proxy-server=http://127.0.0.1:9',
    ],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const requests = [];
  const pageErrors = [];
  const cspErrors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  page.setDefaultTimeout(15_000);

  await page.goto(base);
  await page.waitForFunction(() => window.agoraPage && window.agoraPage.snapshot().ready, null, { timeout: 15_000 });

  // (a)
  await check('a. charts draw and update', async () => {
    const canvases = await page.locator('#chart-grid canvas').count();
    assert(canvases === metrics.length, `${canvases} chart canvases for ${metrics.length} metrics`);
    const titles = await page.locator('#chart-grid figure h3').allTextContents();
    assert(titles.length === metrics.length, `chart titles: ${titles.join(', ')}`);
    const legend = await page.locator('#chart-grid figure').first().locator('.legend .name').allTextContents();
    assert(entries.every((e) => legend.includes(e)), `legend ${legend.join(', ')} lacks an entry of ${entries.join(', ')}`);
    const blank = (await canvasStats(page, colours)).filter((s) => s.painted < 500);
    assert(blank.length === 0, `${blank.length} chart canvases are blank before the run starts`);

    const s0 = await snap(page);
    await sleep(700);
    const s1 = await snap(page);
    assert(s1.step === s0.step && s1.step <= 0, `the run moved before Start (step ${s0.step} -> ${s1.step})`);
    // 60 steps/s, with the speed slider's keyboard (two stops up from 20/s).
    await page.locator('#speed').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.click('#play');
    await waitFor('step 5 after Start', async () => (await snap(page)).step >= 5);
    const a = await snap(page);
    const lenA = (await page.evaluate(([m, e]) => window.agoraPage.series('cur', m, e).length, [metrics[0], entries[0]]));
    await sleep(800);
    const b = await snap(page);
    const lenB = (await page.evaluate(([m, e]) => window.agoraPage.series('cur', m, e).length, [metrics[0], entries[0]]));
    assert(b.step > a.step || b.done, `the step counter did not grow (${a.step} -> ${b.step})`);
    assert(lenB > lenA || b.done, `the series did not grow (${lenA} -> ${lenB} points)`);
    const counter = await page.locator('#step-counter').textContent();
    assert(/Step \d+/.test(counter), `step counter reads “${counter}”`);
    const label = (await page.locator('#play').textContent()).trim();
    assert(label === 'Pause' || b.done, `the Start button reads “${label}” while running`);
    await page.waitForTimeout(100);
    const stats = await canvasStats(page, colours);
    const missing = [];
    stats.forEach((s, i) => s.near.forEach((n, k) => { if (n < 5 && metrics[i] !== 'regime_share') missing.push(`${metrics[i]}/${entries[k]}`); }));
    // A line may hide under another one, so ask only for most of them to show.
    assert(missing.length <= Math.floor(stats.length * entries.length / 3), `few pixels in the entry's colour on: ${missing.join(', ')}`);
    return `${canvases} canvases, steps ${a.step} -> ${b.step}, series ${lenA} -> ${lenB} points; ${stats.length * entries.length - missing.length}/${stats.length * entries.length} lines seen in their colour`;
  });

  // (b)
  await check('b. the free-rider slider starts a new run that differs from the previous one', async () => {
    let slider = page.locator(`#scenario-controls input[data-key="${FREE_RIDER_KEY}"]`);
    if ((await slider.count()) === 0) slider = page.locator('#scenario-controls input[type=range]').first();
    assert((await slider.count()) === 1, 'no range control on the page');
    const key = await slider.getAttribute('data-key');
    const before = await snap(page);
    const oldValue = Number(await slider.inputValue());
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const newValue = Number(await slider.inputValue());
    assert(newValue !== oldValue, `the slider did not move from ${oldValue}`);
    const after = await waitFor('a new run with at least 20 steps', async () => {
      const s = await snap(page);
      return s.runId !== before.runId && s.step >= 20 ? s : null;
    }, 15_000);
    assert(after.prevId === before.runId, `the previous run (${before.runId}) is not the comparison (${after.prevId})`);
    assert(after.settings[key] === newValue, `the new run has ${key} = ${after.settings[key]}, not ${newValue}`);
    assert(after.seed === before.seed, `"same seed" is checked but the seed changed (${before.seed} -> ${after.seed})`);
    let compared = 0;
    let differ = 0;
    for (const m of metrics) {
      for (const e of entries) {
        const [cur, prev] = await page.evaluate(([mm, ee]) => [window.agoraPage.series('cur', mm, ee), window.agoraPage.series('prev', mm, ee)], [m, e]);
        const n = Math.min(cur.length, prev.length);
        for (let i = 1; i < n; i++) {
          if (cur[i] == null || prev[i] == null) continue;
          compared++;
          if (Math.abs(cur[i] - prev[i]) > 1e-12) differ++;
        }
      }
    }
    assert(compared > 0, 'no step to compare between the two runs');
    assert(differ > 0, `the new run's ${compared} values equal the previous run's`);
    const note = await page.locator('#compare-note').textContent();
    assert(await page.locator('#compare-note').isVisible(), 'no note explains the dashed lines');
    return `${key} ${oldValue} -> ${newValue}: run ${before.runId} -> ${after.runId}; ${differ} of ${compared} values differ; note: “${note.trim()}”`;
  });

  // (e)
  await check('e. screenshots and layout at desktop and phone width', async () => {
    await waitFor('40 steps in the current run', async () => { const s = await snap(page); return s.step >= 40 || s.done; }, 10_000);
    await blurAll(page);
    const shots = [];
    const layouts = [];
    for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(400);
      const layout = await page.evaluate(() => {
        const figs = [...document.querySelectorAll('#chart-grid figure')].map((f) => f.getBoundingClientRect());
        const small = [...document.querySelectorAll('button, select, input[type=range], input[type=number], a.button')]
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.id || e.textContent.trim() || e.tagName, e.getBoundingClientRect()])
          .filter(([, r]) => r.height < 43.5 || r.width < 43.5)
          .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`);
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          columns: new Set(figs.map((r) => Math.round(r.left))).size,
          small,
        };
      });
      assert(layout.overflow <= 1, `${name}: the page is ${layout.overflow}px wider than the screen`);
      assert(layout.small.length === 0, `${name}: touch targets under 44px: ${layout.small.join(', ')}`);
      if (name === 'phone') assert(layout.columns === 1, `phone: charts in ${layout.columns} columns, not stacked`);
      else assert(layout.columns >= 2, `desktop: charts in ${layout.columns} column(s)`);
      if (SHOT_DIR) {
        fs.mkdirSync(SHOT_DIR, { recursive: true });
        const file = path.join(SHOT_DIR, `classroom_${name}.png`);
        await page.screenshot({ path: file });
        shots.push(file);
      }
      layouts.push(`${name} ${width}x${height}: charts in ${layout.columns} column${layout.columns === 1 ? '' : 's'}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    const where = SHOT_DIR ? `wrote ${shots.join(', ')}` : 'no pictures kept (set AGORA_SCREENSHOT_DIR)';
    return `${layouts.join('; ')}; no horizontal scrolling, no touch target under 44px; ${where}`;
  });

  // (c)
  await check('c. CSV and TOML downloads match the run' + (AGORA_BIN ? ', and agora run of the TOML reproduces the CSV' : ''), async () => {
    await blurAll(page);
    let s = await snap(page);
    if (s.playing) {
      await page.keyboard.press('Space');
      s = await waitFor('the run to pause (Space)', async () => { const x = await snap(page); return !x.playing ? x : null; });
    }
    // Wait until the steps stop arriving.
    let stable = 0;
    let last = s.step;
    await waitFor('the run to stand still', async () => {
      const x = await snap(page);
      stable = x.step === last ? stable + 1 : 0;
      last = x.step;
      return stable >= 4;
    }, 10_000, 150);
    s = await snap(page);
    let keys = '';
    if (!s.done) {
      await page.keyboard.press('s');
      s = await waitFor('one step (S)', async () => { const x = await snap(page); return x.step === last + 1 ? x : null; }, 5000);
      await sleep(300);
      const y = await snap(page);
      assert(y.step === last + 1, `S stepped from ${last} to ${y.step}, not one step`);
      keys = `paused with Space, stepped with S to step ${s.step}; `;
    }
    for (const id of ['#dl-csv', '#dl-toml']) {
      const href = await page.locator(id).evaluate((a) => a.href);
      assert(href && new URL(href).origin === origin && href.includes(`/api/runs/${s.runId}/`), `${id} points to ${href}, not this run on ${origin}`);
    }
    const files = {};
    for (const [id, what] of [['#dl-csv', 'csv'], ['#dl-toml', 'toml']]) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click(id)]);
      const file = path.join(tmp, `download.${what}`);
      await download.saveAs(file);
      assert(!(await download.failure()), `the ${what} download failed: ${await download.failure()}`);
      files[what] = file;
    }
    const csvText = fs.readFileSync(files.csv, 'utf8');
    const toml = fs.readFileSync(files.toml, 'utf8');
    const csv = parseCsv(csvText);
    assert(csv.header.slice(0, 3).join(',') === 'regime,replicate,step', `CSV header starts “${csv.header.slice(0, 3).join(',')}”`);
    for (const m of metrics) assert(csv.header.includes(m), `CSV has no ${m} column`);
    const lastStep = Math.max(...csv.rows.map((r) => r.step));
    assert(lastStep === s.step, `the CSV ends at step ${lastStep}, the page at step ${s.step}`);
    const regimes = [...new Set(csv.rows.map((r) => r.regime))];
    assert(entries.every((e) => regimes.includes(e)), `CSV regimes ${regimes.join(', ')} lack an entry`);
    const stepsLine = /^\s*steps\s*=\s*(\d+)/m.exec(toml);
    assert(stepsLine && Number(stepsLine[1]) === s.step, `the TOML says steps = ${stepsLine && stepsLine[1]}, the run is at step ${s.step}`);
    // What the page was sent equals what the CSV holds.
    let checked = 0;
    for (const m of metrics) {
      const col = csv.header.indexOf(m);
      for (const e of entries) {
        const series = await page.evaluate(([mm, ee]) => window.agoraPage.series('cur', mm, ee), [m, e]);
        for (const row of csv.rows) {
          if (row.regime !== e || row.replicate !== '0') continue;
          const cell = row.cells[col];
          const want = cell === '' ? null : Number(cell);
          const got = series[row.step] ?? null;
          assert((want === null) === (got === null) && (want === null || Math.abs(want - got) <= 1e-9 * Math.max(1, Math.abs(want))),
            `${e} ${m} at step ${row.step}: the CSV has “${cell}”, the page was sent ${got}`);
          checked++;
        }
      }
    }
    let rerun = '';
    if (AGORA_BIN) {
      const out = path.join(tmp, 'rerun');
      await new Promise((resolve, reject) => {
        execFile(AGORA_BIN, ['run', files.toml, '--out', out, '-q'], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
          if (err) reject(new CheckFailure(`${AGORA_BIN} run ${files.toml} failed: ${stderr || err.message}`)); else resolve();
        });
      });
      const again = fs.readFileSync(path.join(out, 'timeseries.csv'));
      const got = fs.readFileSync(files.csv);
      if (!again.equals(got)) {
        const a = again.toString('utf8').split('\n');
        const b = got.toString('utf8').split('\n');
        const i = a.findIndex((l, k) => l !== b[k]);
        throw new CheckFailure(`agora run of the TOML gives another timeseries.csv (${again.length} vs ${got.length} bytes); first difference at line ${i + 1}:\n  agora run: ${a[i]}\n  download:  ${b[i]}`);
      }
      rerun = `; agora run of the TOML gives the same ${got.length} bytes`;
    }
    return `${keys}CSV ${csv.rows.length} rows to step ${lastStep}, ${checked} cells equal to the page's data; TOML steps = ${stepsLine[1]}${rerun}`;
  });

  // (f)
  await check('f. a bad setting gets HTTP 400 and its message on the page', async () => {
    const direct = await fetch(new URL('api/runs', base), {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ settings: { [FREE_RIDER_KEY]: 1.5 }, seed: 42 }),
    });
    const body = await direct.json().catch(() => null);
    assert(direct.status === 400, `POST /api/runs with ${FREE_RIDER_KEY} = 1.5 answered ${direct.status}`);
    assert(body && typeof body.error === 'string' && body.error.length > 0, `the 400 has no error message: ${JSON.stringify(body)}`);
    assert(body.key === FREE_RIDER_KEY, `the 400 names key ${JSON.stringify(body.key)}, not ${FREE_RIDER_KEY}`);

    // The same through the page: the slider pushed past its end, as a stale page might.
    const before = await snap(page);
    const slider = page.locator(`#scenario-controls input[data-key="${FREE_RIDER_KEY}"]`);
    assert((await slider.count()) === 1, `no control for ${FREE_RIDER_KEY}`);
    const original = { max: await slider.getAttribute('max'), value: await slider.inputValue() };
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST', { timeout: 10_000 }),
      slider.evaluate((e) => { e.max = '2'; e.value = '1.5'; e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); }),
    ]);
    assert(response.status() === 400, `the page's POST /api/runs answered ${response.status()}`);
    const message = (await response.json()).error;
    const fieldError = page.locator(`.field[data-key="${FREE_RIDER_KEY}"] .field-error`);
    await fieldError.waitFor({ state: 'visible', timeout: 5000 });
    const shown = await fieldError.textContent();
    assert(shown.includes(message), `next to the control: “${shown}”, not the server's “${message}”`);
    const status = await page.locator('#status').textContent();
    assert(status.includes(message), `the status line reads “${status}”`);
    assert((await slider.getAttribute('aria-invalid')) === 'true', 'the control is not marked aria-invalid');
    const during = await snap(page);
    assert(during.runId === before.runId, `the page dropped its run (${before.runId} -> ${during.runId})`);
    // Putting it back starts a run again and clears the message.
    await slider.evaluate((e, o) => { e.max = o.max; e.value = o.value; e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); }, original);
    await waitFor('a new run after the fix', async () => (await snap(page)).runId !== before.runId, 10_000);
    await fieldError.waitFor({ state: 'hidden', timeout: 5000 });
    return `“${message}” (key ${body.key}) shown beside the control and in the status line; cleared after the fix`;
  });

  // (g)
  await check(`g. ${CLIENTS} concurrent clients all get step events`, async () => {
    const n = Math.min(CLIENTS, Math.max(1, (config.limits?.max_runs ?? 32) - 2));
    const settings = {};
    for (const c of config.controls) if ('value' in c) settings[c.key] = c.value;
    settings['run.agents'] = config.defaults?.agents ?? 1000;
    settings['run.steps'] = Math.min(100, config.defaults?.steps ?? 100);
    const ids = [];
    try {
      for (let i = 0; i < n; i++) {
        const r = await fetch(new URL('api/runs', base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ settings, seed: 1000 + i }) });
        const b = await r.json().catch(() => null);
        assert(r.status === 200 && b && b.id, `client ${i}: POST /api/runs answered ${r.status} ${JSON.stringify(b)}`);
        ids.push(b.id);
      }
      const abort = new AbortController();
      const counts = ids.map(() => 0);
      const errors = [];
      const streams = ids.map((id, i) => readEvents(new URL(`api/runs/${id}/events`, base), abort.signal, (type, data) => {
        if (type === 'step') counts[i]++;
        else if (type === 'error') errors.push(`${id}: ${data}`);
      }).catch((err) => errors.push(`${id}: ${err.message}`)));
      await sleep(200);
      await Promise.all(ids.map(async (id) => {
        for (const body of [{ action: 'speed', value: 10 }, { action: 'resume' }]) {
          const r = await fetch(new URL(`api/runs/${id}/control`, base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
          if (r.status !== 204) errors.push(`${id}: control ${body.action} answered ${r.status}`);
        }
      }));
      const started = Date.now();
      try {
        await waitFor(`${n} clients to get 5 step events each`, async () => errors.length > 0 || counts.every((c) => c >= 5), 30_000);
      } finally {
        abort.abort();
        await Promise.all(streams);
      }
      assert(errors.length === 0, `errors: ${errors.slice(0, 5).join('; ')}`);
      return `${n} streams, ${Math.min(...counts)} to ${Math.max(...counts)} step events each within ${((Date.now() - started) / 1000).toFixed(1)} s`;
    } finally {
      await Promise.all(ids.map((id) => fetch(new URL(`api/runs/${id}`, base), { method: 'DELETE' }).catch(() => {})));
    }
  });

  // (d)
  await check('d. every request the page made stayed on 127.0.0.1', async () => {
    const local = (u) => { try { const x = new URL(u); return ['data:', 'blob:', 'about:'].includes(x.protocol) || (x.hostname === '127.0.0.1' && x.origin === origin); } catch { return false; } };
    const away = requests.filter((u) => !local(u));
    assert(requests.length > 0, 'no request was recorded');
    assert(away.length === 0, `requests off 127.0.0.1: ${[...new Set(away)].slice(0, 10).join(', ')}`);
    assert(cspErrors.length === 0, `Content Security Policy violations: ${cspErrors.slice(0, 3).join(' | ')}`);
    const paths = new Set(requests.map((u) => { const x = new URL(u); return x.pathname.replace(/\/runs\/[^/]+/, '/runs/{id}'); }));
    return `${requests.length} requests, all to ${origin}: ${[...paths].sort().join(' ')}`;
  });

  await check('no uncaught error in the page', async () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 5).join(' | '));
  });

  clearTimeout(watchdog);
}

let fatal = null;
try {
  await main();
} catch (err) {
  fatal = err;
} finally {
  if (context) await context.close().catch(() => {});
  await stopServer();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
if (fatal) console.log(`FAIL  setup: ${fatal instanceof CheckFailure || (fatal && fatal.setup) ? fatal.message : (fatal && fatal.stack) || fatal}`);
console.log(`classroom page checks took ${secs()} s`);
console.log(`classroom: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
