// The classroom page of `agora serve`: several economies side by side, live line charts of
// their metrics, and settings that start a new run (the last one stays on the charts, dashed).
//
// Plain JavaScript, no build step. It talks only to its own origin, through the HTTP contract:
//   GET  api/config                      scenario, entries, metrics, controls, limits, defaults
//   POST api/runs {settings, seed}       -> {id, seed} | 400 {error, key}
//   GET  api/runs/<id>/events            Server-Sent Events: step, done, error (paused at first)
//   POST api/runs/<id>/control {action}  pause | resume | step | speed (value, 0 = fastest)
//   GET  api/runs/<id>/csv, .../toml     the run so far
//   DELETE api/runs/<id>                 stops it
// Charts are drawn with uPlot (assets/uPlot.iife.min.js, see VENDORED.md).
'use strict';

(() => {
  // Okabe-Ito, in the order of the report's plots (PALETTE in src/output/plots): used only when the
  // config gives an entry no colour.
  const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442'];
  const SPEEDS = [1, 2, 5, 10, 20, 30, 60, 0]; // steps per second; 0 = as fast as the server can
  const DEFAULT_SPEED_INDEX = 4;
  const DEBOUNCE_MS = 450;
  const OPEN_WAIT_MS = 2500;
  const BOUNDED_UNITS = new Set(['share', 'index', 'share of capacity']);
  const PERCENT_UNITS = new Set(['share', 'share of capacity']);
  const AXIS_FONT = '15px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  const LABEL_FONT = '600 15px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  };

  const ui = {
    play: $('play'), step: $('step'), reset: $('reset'), status: $('status'),
    counter: $('step-counter'), seed: $('seed-label'), agents: $('agents'), steps: $('steps'),
    speed: $('speed'), speedOut: $('speed-out'), sameSeed: $('same-seed'), compare: $('compare'),
    restore: $('restore'), csv: $('dl-csv'), toml: $('dl-toml'), grid: $('chart-grid'),
    compareNote: $('compare-note'), form: $('controls'), shortcuts: $('shortcuts'),
  };

  const state = {
    config: null,
    entries: [],       // [{label, colour}]
    metrics: [],       // [{name, title, unit}]
    fields: new Map(), // settings key -> {input, error, read(), write(v), label, format(v)}
    charts: [],
    run: null,         // the current run
    prev: null,        // the run before it, drawn faintly
    playing: false,    // what the user asked for: running or paused
    generation: 0,     // bumps with every new-run request; stale answers are dropped
    seedCounter: 0,
    lastSeed: null,
    debounce: 0,
    redrawQueued: false,
    lastAria: 0,
    lastError: null,
  };

  // ---------- formatting ----------
  function fmtValue(metric, v) {
    if (v == null || !Number.isFinite(v)) return '–';
    if (PERCENT_UNITS.has(metric.unit)) return `${(v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0)}%`;
    if (metric.unit === 'index') return v.toFixed(2);
    const a = Math.abs(v);
    if (a >= 1000) return Math.round(v).toLocaleString('en');
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }
  function fmtAxis(metric, v) {
    if (v == null) return '';
    if (PERCENT_UNITS.has(metric.unit)) return `${Math.round(v * 100)}%`;
    return Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(+v.toFixed(2));
  }
  function decimalsOf(step) {
    const s = String(step);
    return s.includes('.') ? s.split('.')[1].length : 0;
  }
  function humanOption(o) { return String(o).replace(/_/g, ' '); }
  function rgba(hex, alpha) {
    const m = /^#?([0-9a-f]{6})$/i.exec(hex || '');
    if (!m) return hex;
    const n = parseInt(m[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  function speedValue() { return SPEEDS[Number(ui.speed.value)] ?? 20; }
  function speedText(v) { return v === 0 ? 'as fast as possible' : `${v} step${v === 1 ? '' : 's'}/s`; }

  // ---------- status and errors ----------
  function setStatus(text, kind = 'info') {
    ui.status.textContent = text;
    ui.status.dataset.kind = kind;
  }
  function fieldFor(key) {
    if (!key) return null;
    if (state.fields.has(key)) return state.fields.get(key);
    for (const [k, f] of state.fields) if (k.startsWith(`${key}.`) || key.startsWith(`${k}.`)) return f;
    return null;
  }
  function showError(message, key) {
    state.lastError = { message, key: key || null };
    const f = fieldFor(key);
    if (f) {
      f.error.textContent = message;
      f.error.hidden = false;
      f.input.setAttribute('aria-invalid', 'true');
      setStatus(`Not started: ${message} (see “${f.label}”). The charts keep the last run.`, 'error');
    } else {
      setStatus(message, 'error');
    }
  }
  function clearErrors() {
    state.lastError = null;
    for (const f of state.fields.values()) {
      f.error.textContent = '';
      f.error.hidden = true;
      f.input.removeAttribute('aria-invalid');
    }
  }

  // ---------- HTTP ----------
  async function api(path, options = {}) {
    const res = await fetch(path, { cache: 'no-store', ...options });
    let body = null;
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('json')) body = await res.json().catch(() => null);
    return { res, body };
  }
  function control(run, action, value) {
    const payload = value === undefined ? { action } : { action, value };
    return api(`api/runs/${encodeURIComponent(run.id)}/control`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload),
    }).then(({ res, body }) => {
      if (!res.ok) throw new Error((body && body.error) || `the server answered ${res.status} to “${action}”`);
    });
  }
  function deleteRun(id) {
    fetch(`api/runs/${encodeURIComponent(id)}`, { method: 'DELETE', keepalive: true }).catch(() => {});
  }

  // ---------- settings ----------
  function buildControls(controls) {
    const box = $('scenario-controls');
    const group = el('fieldset', { class: 'group' }, el('legend', { text: 'Scenario' }));
    controls.forEach((c, i) => {
      if (c.key === 'run.agents' || c.key === 'run.steps') return; // the Run group has them
      const id = `ctl-${i}`;
      const helpId = `${id}-help`;
      const errId = `${id}-error`;
      const label = c.label || c.key;
      const field = el('div', { class: `field kind-${c.kind}`, 'data-key': c.key });
      const help = el('p', { id: helpId, class: 'help', text: c.help || '' });
      const error = el('p', { id: errId, class: 'field-error', hidden: true });
      let input; let read; let write; let format = (v) => String(v);
      if (c.kind === 'range') {
        const dec = Math.max(decimalsOf(c.step ?? 1), decimalsOf(c.min ?? 0));
        format = (v) => Number(v).toFixed(dec);
        const out = el('output', { for: id });
        input = el('input', { id, type: 'range', min: String(c.min), max: String(c.max), step: String(c.step ?? 'any') });
        read = () => Number(input.value);
        write = (v) => { input.value = String(v); out.textContent = format(read()); input.setAttribute('aria-valuetext', format(read())); };
        input.addEventListener('input', () => { out.textContent = format(read()); input.setAttribute('aria-valuetext', format(read())); });
        field.append(el('label', { for: id }, `${label} `, out), input);
      } else if (c.kind === 'select') {
        input = el('select', { id });
        for (const o of c.options || []) input.append(el('option', { value: String(o), text: humanOption(o) }));
        read = () => input.value;
        write = (v) => { input.value = String(v); };
        format = humanOption;
        field.append(el('label', { for: id, text: label }), input);
      } else if (c.kind === 'toggle') {
        input = el('input', { id, type: 'checkbox', role: 'switch' });
        read = () => input.checked;
        write = (v) => { input.checked = Boolean(v); };
        format = (v) => (v ? 'on' : 'off');
        field.classList.add('check');
        field.append(input, el('label', { for: id, text: label }));
      } else {
        return; // a kind this page does not know: leave it at the scenario's value
      }
      input.dataset.key = c.key;
      input.setAttribute('aria-describedby', `${c.help ? helpId : ''} ${errId}`.trim());
      field.append(help, error);
      group.append(field);
      write(c.value);
      state.fields.set(c.key, { input, error, read, write, label, format, initial: c.value });
      input.addEventListener(c.kind === 'range' ? 'input' : 'change', () => settingChanged());
      if (c.kind === 'range') input.addEventListener('change', () => settingChanged());
    });
    if (group.children.length > 1) box.append(group);
  }

  function buildRunFields(cfg) {
    const limits = cfg.limits || {};
    const defaults = cfg.defaults || {};
    const numberField = (input, key, label, def, max) => {
      if (max) input.max = String(max);
      input.value = String(def);
      const error = $(`${input.id}-error`);
      $(`${input.id}-help`).textContent = max ? `From ${input.min} to ${max.toLocaleString('en')}.` : '';
      const read = () => input.valueAsNumber;
      state.fields.set(key, { input, error, read, write: (v) => { input.value = String(v); }, label, format: String, initial: def, max });
      input.addEventListener('change', () => settingChanged());
    };
    numberField(ui.agents, 'run.agents', 'Agents', defaults.agents ?? 1000, limits.max_agents);
    numberField(ui.steps, 'run.steps', 'Steps', defaults.steps ?? 300, limits.max_steps);
  }

  // The settings to post, or null (with the message shown) when a run field is invalid.
  function collectSettings() {
    const settings = {};
    for (const [key, f] of state.fields) {
      const v = f.read();
      if (key === 'run.agents' || key === 'run.steps') {
        const min = Number(f.input.min) || 1;
        if (!Number.isInteger(v) || v < min || (f.max && v > f.max)) {
          const range = f.max ? `from ${min} to ${f.max.toLocaleString('en')}` : `of at least ${min}`;
          showError(`${f.label} must be a whole number ${range}.`, key);
          return null;
        }
      }
      settings[key] = v;
    }
    return settings;
  }

  function chooseSeed() {
    const base = Number(state.config.defaults?.seed ?? 1);
    if (state.lastSeed == null) return base;
    if (ui.sameSeed.checked) return state.lastSeed;
    state.seedCounter += 1;
    return base + state.seedCounter;
  }

  function settingChanged() {
    clearTimeout(state.debounce);
    state.debounce = setTimeout(() => {
      const run = state.run;
      const autoplay = state.playing || Boolean(run && run.done);
      newRun({ autoplay, reason: 'setting' });
    }, DEBOUNCE_MS);
  }

  // ---------- runs ----------
  function makeRun(id, seed, settings) {
    const values = {};
    for (const m of state.metrics) {
      values[m.name] = {};
      for (const e of state.entries) values[m.name][e.label] = [];
    }
    return { id, seed, settings, steps: settings['run.steps'] || state.config.defaults?.steps || 0, values, last: -1, es: null, done: false, failed: null, started: false };
  }

  async function newRun({ autoplay = false } = {}) {
    clearTimeout(state.debounce);
    const settings = collectSettings();
    if (!settings) return;
    const gen = ++state.generation;
    const seed = chooseSeed();
    setStatus('Starting a new run…');
    let res; let body;
    try {
      ({ res, body } = await api('api/runs', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ settings, seed }),
      }));
    } catch (err) {
      if (gen === state.generation) showError(`Could not reach the agora server (${err.message}). Is it still running?`);
      return;
    }
    if (gen !== state.generation) { // a newer request superseded this one
      if (res.ok && body && body.id) deleteRun(body.id);
      return;
    }
    if (!res.ok || !body || !body.id) {
      showError((body && body.error) || `The server refused the run (HTTP ${res.status}).`, body && body.key);
      return;
    }
    clearErrors();
    retire(state.run);
    const run = makeRun(String(body.id), Number.isFinite(body.seed) ? body.seed : seed, settings);
    state.run = run;
    state.lastSeed = run.seed;
    state.playing = false;
    updateLinks();
    updateCompareNote();
    updateButtons();
    scheduleRedraw();
    connect(run, autoplay);
  }

  // The current run gives way to a new one: it stops on the server, and it becomes the
  // comparison if it got past step 0 (otherwise the older comparison stays).
  function retire(run) {
    if (!run) return;
    if (run.es) run.es.close();
    run.es = null;
    deleteRun(run.id);
    if (run.last >= 1) state.prev = run;
  }

  function connect(run, autoplay) {
    const es = new EventSource(`api/runs/${encodeURIComponent(run.id)}/events`);
    run.es = es;
    let begun = false;
    const begin = async () => {
      if (begun || state.run !== run) return;
      begun = true;
      try {
        await control(run, 'speed', speedValue());
        if (state.run !== run) return;
        if (autoplay) await play(run);
        else if (!state.playing) setStatus(`Ready: run ${run.id}, seed ${run.seed}. Press Start.`);
      } catch (err) {
        if (state.run === run) setStatus(`The server did not take the command: ${err.message}`, 'error');
      }
    };
    es.addEventListener('open', begin);
    setTimeout(begin, OPEN_WAIT_MS);
    es.addEventListener('step', (ev) => {
      if (run.es !== es) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      onStep(run, msg);
    });
    es.addEventListener('done', (ev) => {
      if (run.es !== es) return;
      let msg = {};
      try { msg = JSON.parse(ev.data) || {}; } catch { /* keep {} */ }
      run.done = true;
      if (Number.isFinite(msg.steps)) run.steps = msg.steps;
      es.close();
      if (state.run === run) {
        state.playing = false;
        setStatus(`Finished: ${run.steps} steps. Download the CSV, or move a setting to compare.`);
        updateButtons();
        scheduleRedraw();
      }
    });
    es.addEventListener('error', (ev) => {
      if (run.es !== es) return;
      const serverSaid = typeof ev.data === 'string' && ev.data.length > 0;
      if (!serverSaid && run.done) return;
      let message = 'Lost the connection to the agora server. Press Reset to start again.';
      if (serverSaid) {
        try { message = `The run stopped: ${JSON.parse(ev.data).error}`; } catch { message = `The run stopped: ${ev.data}`; }
      }
      es.close();
      run.failed = message;
      if (state.run === run) {
        state.playing = false;
        setStatus(message, 'error');
        updateButtons();
      }
    });
  }

  function onStep(run, msg) {
    const step = Number(msg && msg.step);
    if (!Number.isInteger(step) || step < 0) return;
    const entries = (msg && msg.entries) || {};
    for (const m of state.metrics) {
      const byEntry = run.values[m.name];
      for (const e of state.entries) {
        const row = entries[e.label];
        const raw = row ? row[m.name] : null;
        const v = raw == null ? null : Number(raw);
        const a = byEntry[e.label];
        while (a.length < step) a.push(null);
        a[step] = Number.isFinite(v) ? v : null;
      }
    }
    if (step > run.last) run.last = step;
    if (step > 0) run.started = true;
    scheduleRedraw();
  }

  async function play(run) {
    state.playing = true;
    updateButtons();
    setStatus(`Running: run ${run.id}, seed ${run.seed}, ${speedText(speedValue())}.`);
    try {
      await control(run, 'resume');
    } catch (err) {
      if (state.run === run) {
        state.playing = false;
        updateButtons();
        setStatus(`Could not start: ${err.message}`, 'error');
      }
    }
  }

  function togglePlay() {
    const run = state.run;
    if (!state.config) return;
    if (!run || run.done || run.failed) { newRun({ autoplay: true }); return; }
    if (state.playing) {
      state.playing = false;
      updateButtons();
      setStatus(`Paused at step ${Math.max(run.last, 0)}.`);
      control(run, 'pause').catch((err) => setStatus(`Could not pause: ${err.message}`, 'error'));
    } else {
      play(run);
    }
  }

  function doStep() {
    const run = state.run;
    if (!run || run.done || run.failed || state.playing) return;
    control(run, 'step').catch((err) => setStatus(`Could not step: ${err.message}`, 'error'));
  }

  function reset() {
    if (!state.config) return;
    newRun({ autoplay: false });
  }

  // ---------- page furniture ----------
  function updateButtons() {
    const run = state.run;
    const usable = Boolean(state.config);
    ui.play.disabled = !usable;
    ui.reset.disabled = !usable;
    let label = 'Start';
    if (run && (run.done || run.failed)) label = 'Run again';
    else if (state.playing) label = 'Pause';
    else if (run && run.started) label = 'Continue';
    ui.play.textContent = label;
    ui.play.dataset.state = state.playing ? 'running' : 'paused';
    ui.step.disabled = !run || run.done || Boolean(run.failed) || state.playing;
  }

  function updateLinks() {
    const run = state.run;
    for (const [a, what, name] of [[ui.csv, 'csv', 'timeseries.csv'], [ui.toml, 'toml', 'scenario.toml']]) {
      if (run) {
        a.href = `api/runs/${encodeURIComponent(run.id)}/${what}`;
        a.setAttribute('download', `agora-${run.id}-${name}`);
        a.removeAttribute('aria-disabled');
      } else {
        a.removeAttribute('href');
        a.setAttribute('aria-disabled', 'true');
      }
    }
  }

  function updateCompareNote() {
    const prev = state.prev;
    const run = state.run;
    if (!prev || !ui.compare.checked) { ui.compareNote.hidden = true; return; }
    const changes = [];
    if (run) {
      for (const [key, f] of state.fields) {
        const a = prev.settings[key];
        const b = run.settings[key];
        if (a !== b) changes.push(`${f.label} ${f.format(a)} → ${f.format(b)}`);
      }
      if (prev.seed !== run.seed) changes.push(`seed ${prev.seed} → ${run.seed}`);
    }
    ui.compareNote.hidden = false;
    ui.compareNote.textContent = changes.length
      ? `Dashed lines: the previous run (${prev.id}). Changed since: ${changes.join('; ')}.`
      : `Dashed lines: the previous run (${prev.id}), with the same settings and seed.`;
  }

  // ---------- charts ----------
  function buildCharts() {
    ui.grid.replaceChildren();
    state.charts = state.metrics.map((metric, mi) => {
      const titleId = `chart-${mi}-title`;
      const legend = el('ul', { class: 'legend', 'aria-label': `${metric.title}: latest values` });
      const items = state.entries.map((e) => {
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.setProperty('--c', e.colour);
        const val = el('span', { class: 'val', text: '–' });
        const was = el('span', { class: 'was' });
        legend.append(el('li', {}, swatch, el('span', { class: 'name', text: e.label }), val, was));
        return { val, was };
      });
      const plot = el('div', { class: 'plot', role: 'img', 'aria-label': metric.title });
      const fig = el('figure', { class: 'chart', 'data-metric': metric.name, 'aria-labelledby': titleId },
        el('figcaption', {},
          el('h3', { id: titleId, text: metric.title || metric.name }),
          el('p', { class: 'plain', text: metric.plain || (metric.unit ? `Unit: ${metric.unit}.` : '') })),
        legend, plot);
      ui.grid.append(fig);
      return { metric, fig, plot, items, u: null };
    });
    for (const chart of state.charts) chart.u = makePlot(chart);
    const ro = new ResizeObserver((list) => {
      for (const entry of list) {
        const chart = state.charts.find((c) => c.plot === entry.target);
        if (!chart || !chart.u) continue;
        const w = Math.floor(entry.contentRect.width);
        const h = Math.floor(entry.contentRect.height);
        if (w > 0 && h > 0 && (w !== chart.u.width || h !== chart.u.height)) chart.u.setSize({ width: w, height: h });
      }
    });
    for (const chart of state.charts) ro.observe(chart.plot);
  }

  function xMax() {
    const run = state.run;
    let max = run ? run.steps : Number(state.config.defaults?.steps ?? 100);
    if (run) max = Math.max(max, run.last);
    if (state.prev && ui.compare.checked) max = Math.max(max, state.prev.last);
    return Math.max(max, 1);
  }

  function makePlot(chart) {
    const { metric } = chart;
    const bounded = BOUNDED_UNITS.has(metric.unit);
    const series = [{ label: 'step' }];
    for (const e of state.entries) {
      series.push({ label: e.label, stroke: e.colour, width: 2.75, spanGaps: false, points: { show: false } });
    }
    for (const e of state.entries) {
      series.push({ label: `${e.label} (previous run)`, stroke: rgba(e.colour, 0.5), width: 2, dash: [7, 6], spanGaps: false, points: { show: false } });
    }
    const axis = { stroke: '#1f1f1f', font: AXIS_FONT, labelFont: LABEL_FONT, grid: { stroke: '#e2e2e2', width: 1 }, ticks: { stroke: '#c8c8c8', width: 1 } };
    const opts = {
      width: Math.max(chart.plot.clientWidth, 200),
      height: Math.max(chart.plot.clientHeight, 150),
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false }, y: false },
      scales: {
        x: { time: false, range: () => [0, xMax()] },
        y: {
          range: (u, min, max) => {
            if (bounded) return [Math.min(0, min ?? 0), Math.max(1, max ?? 1)];
            if (min == null || max == null) return [0, 1];
            const lo = Math.min(0, min);
            const hi = max > lo ? max + (max - lo) * 0.08 : lo + 1;
            return [lo, hi];
          },
        },
      },
      axes: [
        { ...axis, label: 'step', labelSize: 26, size: 40 },
        { ...axis, size: 62, values: (u, splits) => splits.map((v) => fmtAxis(metric, v)) },
      ],
      series,
      hooks: { setCursor: [(u) => updateLegend(chart, u.cursor.idx)] },
    };
    return new uPlot(opts, emptyData(), chart.plot);
  }

  function emptyData() {
    return [[], ...state.entries.flatMap(() => [[], []])];
  }

  function column(run, metric, label, n) {
    const src = run ? run.values[metric][label] : null;
    const out = src ? src.slice(0, n) : [];
    while (out.length < n) out.push(null);
    return out;
  }

  function scheduleRedraw() {
    if (state.redrawQueued) return;
    state.redrawQueued = true;
    requestAnimationFrame(redraw);
  }

  function redraw() {
    state.redrawQueued = false;
    const run = state.run;
    const prev = ui.compare.checked ? state.prev : null;
    const n = Math.max(run ? run.last + 1 : 0, prev ? prev.last + 1 : 0);
    const xs = Array.from({ length: n }, (_, i) => i);
    for (const chart of state.charts) {
      const m = chart.metric.name;
      const data = [xs];
      for (const e of state.entries) data.push(column(run, m, e.label, n));
      for (const e of state.entries) data.push(column(prev, m, e.label, n));
      chart.u.setData(data, true);
      updateLegend(chart, chart.u.cursor.idx);
    }
    const step = run ? run.last : -1;
    ui.counter.dataset.step = String(step);
    ui.counter.textContent = run && step >= 0 ? `Step ${step} / ${run.steps}` : 'Step –';
    ui.seed.textContent = run ? `seed ${run.seed}` : '';
    updateButtons();
    const now = performance.now();
    if (now - state.lastAria > 1000 || (run && run.done)) {
      state.lastAria = now;
      for (const chart of state.charts) {
        const parts = chart.items.map((it, i) => `${state.entries[i].label} ${it.val.textContent}`);
        chart.plot.setAttribute('aria-label', `${chart.metric.title}, step ${Math.max(step, 0)}: ${parts.join(', ')}`);
      }
    }
  }

  // Legend values: at the hovered step, else at the current run's latest step; the previous
  // run's value at the same step follows as "was".
  function updateLegend(chart, idx) {
    const run = state.run;
    const prev = ui.compare.checked ? state.prev : null;
    const at = idx != null && idx >= 0 ? idx : run ? run.last : -1;
    const m = chart.metric.name;
    state.entries.forEach((e, i) => {
      const cur = run && at >= 0 ? run.values[m][e.label][at] : null;
      chart.items[i].val.textContent = fmtValue(chart.metric, cur);
      const old = prev && at >= 0 && at <= prev.last ? prev.values[m][e.label][at] : null;
      chart.items[i].was.textContent = old == null ? '' : `was ${fmtValue(chart.metric, old)}`;
    });
  }

  // ---------- wiring ----------
  function onKey(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const tag = t && t.tagName;
    const type = t && t.type;
    const typing = tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)
      || (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes(type));
    if (typing) return;
    const key = ev.key;
    if (key === ' ' || key === 'Spacebar') {
      // Buttons, links, summaries and check boxes keep their own Space.
      if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || (tag === 'INPUT' && type !== 'range')) return;
      ev.preventDefault();
      togglePlay();
    } else if (key === 's' || key === 'S') {
      ev.preventDefault();
      doStep();
    } else if (key === 'r' || key === 'R') {
      ev.preventDefault();
      reset();
    } else if (key === 'c' || key === 'C') {
      ev.preventDefault();
      ui.compare.checked = !ui.compare.checked;
      ui.compare.dispatchEvent(new Event('change'));
    } else if (key === '?') {
      ev.preventDefault();
      ui.shortcuts.open = !ui.shortcuts.open;
      if (ui.shortcuts.open) ui.shortcuts.querySelector('summary').focus();
    }
  }

  function wire() {
    ui.play.addEventListener('click', togglePlay);
    ui.step.addEventListener('click', doStep);
    ui.reset.addEventListener('click', reset);
    ui.form.addEventListener('submit', (ev) => { ev.preventDefault(); newRun({ autoplay: state.playing }); });
    ui.speed.value = String(DEFAULT_SPEED_INDEX);
    const showSpeed = () => {
      const t = speedText(speedValue());
      ui.speedOut.textContent = t;
      ui.speed.setAttribute('aria-valuetext', t);
    };
    showSpeed();
    ui.speed.addEventListener('input', showSpeed);
    ui.speed.addEventListener('change', () => {
      const run = state.run;
      if (run && !run.done && !run.failed) {
        control(run, 'speed', speedValue()).catch((err) => setStatus(`Could not change the speed: ${err.message}`, 'error'));
        if (state.playing) setStatus(`Running: run ${run.id}, seed ${run.seed}, ${speedText(speedValue())}.`);
      }
    });
    ui.compare.addEventListener('change', () => { updateCompareNote(); scheduleRedraw(); });
    ui.restore.addEventListener('click', () => {
      for (const f of state.fields.values()) f.write(f.initial);
      settingChanged();
    });
    for (const a of [ui.csv, ui.toml]) {
      a.addEventListener('click', (ev) => { if (!a.hasAttribute('href')) ev.preventDefault(); });
    }
    document.addEventListener('keydown', onKey);
    window.addEventListener('pagehide', () => {
      if (state.run) { if (state.run.es) state.run.es.close(); deleteRun(state.run.id); }
    });
  }

  async function start() {
    wire();
    let cfg;
    try {
      const { res, body } = await api('api/config');
      if (!res.ok || !body) throw new Error(`HTTP ${res.status}`);
      cfg = body;
    } catch (err) {
      setStatus(`Could not load the scenario from the agora server (${err.message}). Reload the page once it runs.`, 'error');
      return;
    }
    if (typeof uPlot !== 'function') {
      setStatus('The chart library (assets/uPlot.iife.min.js) did not load.', 'error');
      return;
    }
    state.config = cfg;
    state.entries = (cfg.entries || []).map((e, i) => ({ label: String(e.label), colour: e.colour || OKABE_ITO[i % OKABE_ITO.length] }));
    state.metrics = (cfg.metrics || []).map((m) => ({ name: String(m.name), title: m.title || m.name, unit: m.unit || '' }));
    $('scenario-name').textContent = cfg.scenario ? `· ${cfg.scenario}` : '';
    $('question').textContent = cfg.question || '';
    document.title = `agora · ${cfg.scenario || 'classroom'}`;
    buildControls(cfg.controls || []);
    buildRunFields(cfg);
    buildCharts();
    updateButtons();
    await newRun({ autoplay: false });
  }

  // For the browser test and the curious: a read-only view of the page's state.
  window.agoraPage = Object.freeze({
    snapshot() {
      const r = state.run;
      const p = state.prev;
      return {
        ready: Boolean(state.config && r),
        runId: r ? r.id : null,
        seed: r ? r.seed : null,
        step: r ? r.last : -1,
        steps: r ? r.steps : null,
        playing: state.playing,
        done: Boolean(r && r.done),
        failed: r ? r.failed : null,
        prevId: p ? p.id : null,
        prevStep: p ? p.last : -1,
        settings: r ? { ...r.settings } : null,
        error: state.lastError,
      };
    },
    series(which, metric, label) {
      const r = which === 'prev' ? state.prev : state.run;
      if (!r || !r.values[metric] || !r.values[metric][label]) return null;
      return r.values[metric][label].slice(0, r.last + 1);
    },
  });

  start();
})();
