// frontiersim dashboard: presets, sliders, live re-simulation; charts.js draws the charts.
// Plain JavaScript; everything it loads comes from this server.
// Text from the server is always set with textContent, never parsed as HTML.
"use strict";

(function () {
  const DEBOUNCE_MS = 150;
  const MAX_RETRY_AFTER_SECONDS = 60;

  // A random id made once per page load. Pages on one machine share an address: the server tells them
  // apart by this id, and stops this page's older simulation when the page sends a newer one.
  const CLIENT_ID = (() => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  })();

  const state = {
    presetId: null,
    scenario: null,
    sliders: [],
    intervals: {},
    labs: [],
    lab: null,
    limits: null,
    sequence: 0,
    timer: null,
    renders: 0,
    requestStarted: 0,
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------
  // Formatting
  // ---------------------------------------------------------------------------

  function formatMoney(value) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    const sign = value < 0 ? "−" : "";
    const size = Math.abs(value);
    const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (const [scale, suffix] of units) {
      if (size >= scale) {
        const scaled = size / scale;
        const digits = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2;
        return `${sign}$${trimZeros(scaled.toFixed(digits))}${suffix}`;
      }
    }
    return `${sign}$${trimZeros(size.toFixed(size >= 10 ? 0 : 2))}`;
  }

  function trimZeros(text) {
    return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
  }

  function formatPercent(p) {
    if (p === null || p === undefined || !isFinite(p)) return "–";
    if (p === 0) return "0%";
    const percent = p * 100;
    if (percent < 0.01) return "<0.01%";
    const digits = percent < 10 ? 2 : 1;
    return `${percent.toFixed(digits)}%`;
  }

  function formatNumber(value, decimals) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function formatValue(value, units) {
    if (units.startsWith("USD")) return formatMoney(value);
    if (units === "probability") return formatPercent(value);
    if (value === null || !isFinite(value)) return "–";
    const size = Math.abs(value);
    const text = size > 0 && size < 1 ? value.toPrecision(2) : value.toFixed(size >= 100 ? 0 : size >= 10 ? 1 : 2);
    return trimZeros(text) + (units === "GW" ? " GW" : "");
  }

  function decimalsOf(step) {
    if (step >= 1) return 0;
    return Math.min(4, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  }

  function sliderText(slider, shown) {
    const number = formatNumber(shown, slider.integer ? 0 : decimalsOf(slider.step));
    if (slider.unit.startsWith("$B")) return `$${number}B${slider.unit.slice(2)}`;
    return slider.unit ? `${number} ${slider.unit}` : number;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // ---------------------------------------------------------------------------
  // Rendering results
  // ---------------------------------------------------------------------------

  function setText(id, text) {
    $(id).textContent = text;
  }

  function renderResult(result, roundTripSeconds) {
    const h = result.headline;
    const ruined = Math.round(h.p_ruin * result.draws);
    setText("p-ruin", formatPercent(h.p_ruin));
    setText("p-ruin-interval",
      `95% Wilson interval ${formatPercent(h.p_ruin_low)} to ${formatPercent(h.p_ruin_high)} ` +
      `(${ruined.toLocaleString("en-US")} of ${result.draws.toLocaleString("en-US")} draws ruined)`);
    $("p-ruin").setAttribute("data-value", String(h.p_ruin));
    setText("scenario-name", h.scenario_name);
    renderLabs(result.labs || [], result.lab);
    setText("horizon", `${h.horizon_years} years from ${h.start}`);
    setText("revenue-final", formatMoney(h.revenue_final_year_median_usd));
    setText("cash-final", formatMoney(h.cash_final_year_median_usd));
    setText("p-ruin-runoff", formatPercent(h.p_ruin_including_runoff));
    $("p-ruin-runoff").setAttribute("data-value", String(h.p_ruin_including_runoff));
    setText("obligations", formatMoney(h.obligations_after_horizon_median_usd));
    const t = result.timing;
    setText("timing",
      `${result.draws.toLocaleString("en-US")} draws (seed ${result.seed}): simulated in ` +
      `${t.simulate_seconds.toFixed(2)} s, tables ${t.tables_seconds.toFixed(2)} s, ` +
      `round trip ${roundTripSeconds.toFixed(2)} s`);

    const charts = window.frontiersimCharts.render(result.charts || []);
    renderPnl(result.company_pnl);
    renderMilestones(result.milestones || []);

    const warnings = $("warnings");
    clear(warnings);
    for (const text of result.warnings) {
      const item = document.createElement("li");
      item.textContent = `warning: ${text}`;
      warnings.appendChild(item);
    }
    hideProblems();
    return charts.then(() => {
      state.renders += 1;
      document.body.setAttribute("data-renders", String(state.renders));
      document.body.setAttribute("data-state", "ready");
    });
  }

  function renderPnl(pnl) {
    const table = $("pnl");
    clear(table);
    const head = table.createTHead().insertRow();
    const corner = document.createElement("th");
    corner.textContent = "";
    head.appendChild(corner);
    for (const year of pnl.years) {
      const th = document.createElement("th");
      th.textContent = year;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const line of pnl.lines) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.textContent = line.line;
      row.appendChild(th);
      for (const value of line.values) row.insertCell().textContent = formatValue(value, line.units || "USD");
    }
  }

  // Every lab's P(ruin), the lab drawn highlighted; a click on a row draws that lab.
  function renderLabs(labs, selected) {
    const panel = $("labs-panel");
    panel.hidden = labs.length < 2;
    const fact = $("lab-fact");
    fact.hidden = labs.length < 2;
    setText("lab-name", selected || "–");
    const table = $("labs");
    clear(table);
    if (labs.length < 2) return;
    const head = table.createTHead().insertRow();
    for (const title of ["lab", "P(ruin)", "95% Wilson interval", "P(ruin) with run-off", "owed after the horizon",
      "median revenue, final year", "median cash, final year end"]) {
      const th = document.createElement("th");
      th.textContent = title;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const lab of labs) {
      const row = body.insertRow();
      row.setAttribute("data-lab", lab.name);
      if (lab.name === selected) row.className = "selected";
      const th = document.createElement("th");
      th.textContent = lab.name;
      row.appendChild(th);
      const ruin = row.insertCell();
      ruin.textContent = formatPercent(lab.p_ruin);
      ruin.setAttribute("data-value", String(lab.p_ruin));
      row.insertCell().textContent = `${formatPercent(lab.p_ruin_low)} to ${formatPercent(lab.p_ruin_high)}`;
      row.insertCell().textContent = formatPercent(lab.p_ruin_including_runoff);
      row.insertCell().textContent = formatMoney(lab.obligations_after_horizon_median_usd);
      row.insertCell().textContent = formatMoney(lab.revenue_final_year_median_usd);
      row.insertCell().textContent = formatMoney(lab.cash_final_year_median_usd);
      row.addEventListener("click", () => selectLab(lab.name));
    }
  }

  function renderLabChoice() {
    const picker = $("lab-picker");
    picker.hidden = state.labs.length < 2;
    const select = $("lab");
    clear(select);
    for (const name of state.labs) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    }
    if (state.lab) select.value = state.lab;
  }

  function selectLab(name) {
    if (!state.labs.includes(name) || name === state.lab) return;
    state.lab = name;
    $("lab").value = name;
    scheduleSimulation();
  }

  function renderMilestones(milestones) {
    const panel = $("milestones-panel");
    panel.hidden = milestones.length === 0;
    const table = $("milestones");
    clear(table);
    if (milestones.length === 0) return;
    const head = table.createTHead().insertRow();
    for (const title of ["milestone", "reached within the horizon", "5% of draws by", "median", "95% of draws by"]) {
      const th = document.createElement("th");
      th.textContent = title;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const m of milestones) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.textContent = m.milestone.replace(/_/g, " ");
      row.appendChild(th);
      row.insertCell().textContent = m.share_reached === null ? "" : `${(100 * m.share_reached).toFixed(1)}%`;
      for (const date of [m.p5_date, m.p50_date, m.p95_date]) row.insertCell().textContent = date || "not reached";
    }
  }

  function showProblems(error, what) {
    const panel = $("problems-panel");
    panel.hidden = false;
    setText("problems-summary", `${what}: ${error.error || "request failed"}`);
    const list = $("problems");
    clear(list);
    for (const problem of error.problems || []) {
      const item = document.createElement("li");
      const path = document.createElement("code");
      path.textContent = problem.path || "(request)";
      item.appendChild(path);
      item.appendChild(document.createTextNode(` ${problem.message}`));
      list.appendChild(item);
    }
  }

  function hideProblems() {
    $("problems-panel").hidden = true;
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.className = `status ${kind || ""}`;
  }

  // ---------------------------------------------------------------------------
  // Talking to the server
  // ---------------------------------------------------------------------------

  async function errorOf(response) {
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") return body;
    } catch (_) { /* not JSON */ }
    return { error: `HTTP ${response.status}`, problems: [] };
  }

  function requestBody(extra) {
    const body = {
      scenario: state.scenario,
      draws: Number($("draws").value),
      seed: Number($("seed").value),
    };
    if (state.labs.length > 1 && state.lab) body.lab = state.lab;
    if (Object.keys(state.intervals).length > 0) body.intervals = state.intervals;
    return JSON.stringify(Object.assign(body, extra || {}));
  }

  async function post(url, extra, requestNumber) {
    const headers = { "Content-Type": "application/json", "X-Client-Id": CLIENT_ID };
    if (requestNumber !== undefined) headers["X-Request-Number"] = String(requestNumber);
    return fetch(url, { method: "POST", headers, body: requestBody(extra) });
  }

  // Seconds to wait before trying again, from a 503 answer's Retry-After header (null without one).
  function retryAfterSeconds(response) {
    if (response.status !== 503) return null;
    const header = response.headers.get("Retry-After");
    if (header === null) return null;
    const seconds = Number.parseInt(header, 10);
    return Number.isFinite(seconds) ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds)) : 1;
  }

  function scheduleSimulation() {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => simulateNow(0), DEBOUNCE_MS);
  }

  // Every change is sent at once, numbered: the server stops this page's older simulation and answers
  // it 409 (the numbers keep an older request that arrives late from superseding a newer one), and only
  // the answer to the newest request is drawn. A busy server (503) is asked again once, after the wait
  // its Retry-After header gives.
  async function simulateNow(attempt) {
    if (!state.scenario) return;
    const sequence = ++state.sequence;
    const isNewest = () => sequence === state.sequence;
    document.body.setAttribute("data-state", "running");
    if (!attempt) setStatus("simulating…", "busy");
    const started = performance.now();
    let response;
    try {
      response = await post("/api/simulate", {}, sequence);
    } catch (error) {
      if (!isNewest()) return;
      showProblems({ error: String(error), problems: [] }, "Simulation failed");
      document.body.setAttribute("data-state", "error");
      setStatus("server unreachable", "error");
      return;
    }
    if (!isNewest() || response.status === 409) return; // a newer request is on its way: this answer is out of date
    const wait = retryAfterSeconds(response);
    if (wait !== null && !attempt) {
      setStatus(`server busy: trying again in ${wait} s`, "busy");
      setTimeout(() => { if (isNewest()) simulateNow(1); }, wait * 1000);
      return;
    }
    if (response.ok) {
      const result = await response.json();
      if (!isNewest()) return;
      await renderResult(result, (performance.now() - started) / 1000);
      if (!isNewest()) return;
      setStatus("up to date", "ok");
    } else {
      showProblems(await errorOf(response), response.status === 503 ? "Server busy" : "Simulation refused");
      document.body.setAttribute("data-state", "error");
      setStatus(`error ${response.status}`, "error");
    }
  }

  // ---------------------------------------------------------------------------
  // Sliders
  // ---------------------------------------------------------------------------

  function setScenarioValue(path, value) {
    const dot = path.indexOf(".");
    const section = path.slice(0, dot);
    const key = path.slice(dot + 1);
    if (typeof state.scenario[section] !== "object" || state.scenario[section] === null) state.scenario[section] = {};
    state.scenario[section][key] = value;
  }

  function sliderRangeText(slider, low, high) {
    if (slider.unit.startsWith("$B")) {
      const digits = decimalsOf(slider.step);
      return `$${formatNumber(low, digits)}B to ${sliderText(slider, high)}`;
    }
    return `${formatNumber(low, slider.integer ? 0 : decimalsOf(slider.step))} to ${sliderText(slider, high)}`;
  }

  function rangeInput(id, slider, value, title) {
    const input = document.createElement("input");
    input.type = "range";
    input.id = id;
    input.min = String(slider.low);
    input.max = String(slider.high);
    input.step = String(slider.step);
    input.value = String(value);
    input.title = title;
    return input;
  }

  // A key the preset fixes: one handle, which sets the key to one value in every draw.
  function pointControl(slider, id, parts) {
    const input = rangeInput(id, slider, slider.value, slider.doc);
    const onMove = () => {
      const shown = Number(input.value);
      let scenarioValue = slider.scale === 1 ? shown : Math.round(shown * slider.scale);
      if (slider.integer) scenarioValue = Math.round(scenarioValue);
      parts.value.textContent = sliderText(slider, shown);
      parts.row.classList.add("moved");
      parts.preset.textContent = `preset: ${slider.preset || "(not set)"}; now fixed at ${sliderText(slider, shown)} in every draw`;
      setScenarioValue(slider.path, scenarioValue);
      scheduleSimulation();
    };
    input.addEventListener("input", onMove);
    input.addEventListener("change", onMove);
    return { element: input, inputs: [input] };
  }

  // A key the preset gives a distribution: two handles, its 5th and 95th percentiles. Moving them sends the
  // new interval ("intervals" in the request); the server stretches the distribution to it, keeping its family.
  function intervalControl(slider, id, parts) {
    const holder = document.createElement("div");
    holder.className = "slider-pair";
    const band = document.createElement("div");
    band.className = "slider-band";
    // the handles reach the whole track: an interval whose stretch would leave the key's bounds is moved by the
    // server to the nearest one within them, and the answer's warnings say so
    const widest = slider.widest
      ? `; the widest they allow is ${sliderRangeText(slider, slider.widest[0], slider.widest[1])}`
      : "";
    const within = slider.interval_bounds
      ? ` (an interval whose stretch would leave the key's bounds, ${slider.interval_bounds}, ` +
        `is moved to the nearest one within them${widest})`
      : "";
    const lower = rangeInput(`${id}-p5`, slider, slider.p5, `5th percentile: ${slider.doc}${within}`);
    const upper = rangeInput(`${id}-p95`, slider, slider.p95, `95th percentile: ${slider.doc}${within}`);
    lower.className = "handle-p5";
    upper.className = "handle-p95";
    lower.setAttribute("aria-label", `${slider.label}, 5th percentile`);
    upper.setAttribute("aria-label", `${slider.label}, 95th percentile`);
    holder.append(band, lower, upper);
    // the interval as the server has it: a handle not moved keeps the preset's exact percentile
    const current = { p5: slider.p5, p95: slider.p95 };
    const placeBand = () => {
      const span = slider.high - slider.low || 1;
      band.style.left = `${(100 * (current.p5 - slider.low)) / span}%`;
      band.style.right = `${(100 * (slider.high - current.p95)) / span}%`;
    };
    const onMove = (which) => () => {
      const step = Number(slider.step);
      if (which === "p5") {
        if (Number(lower.value) > current.p95 - step) lower.value = String(current.p95 - step);
        current.p5 = Number(lower.value);
      } else {
        if (Number(upper.value) < current.p5 + step) upper.value = String(current.p5 + step);
        current.p95 = Number(upper.value);
      }
      placeBand();
      parts.value.textContent = sliderRangeText(slider, current.p5, current.p95);
      parts.row.classList.add("moved");
      parts.preset.textContent =
        `preset: ${slider.preset}; now stretched to 5-95% ${sliderRangeText(slider, current.p5, current.p95)}`;
      state.intervals[slider.path] = [current.p5 * slider.scale, current.p95 * slider.scale];
      scheduleSimulation();
    };
    for (const [input, which] of [[lower, "p5"], [upper, "p95"]]) {
      input.addEventListener("input", onMove(which));
      input.addEventListener("change", onMove(which));
    }
    placeBand();
    return { element: holder, inputs: [lower, upper] };
  }

  function renderSliders() {
    const holder = $("sliders");
    clear(holder);
    for (const slider of state.sliders) {
      if (slider.hidden) continue; // belongs to another demand mode
      const id = `slider-${slider.path.replace(/[^A-Za-z0-9_]/g, "-")}`;
      const row = document.createElement("div");
      row.className = slider.uncertain ? "slider interval" : "slider";
      row.setAttribute("data-path", slider.path);

      const label = document.createElement("label");
      label.htmlFor = slider.uncertain ? `${id}-p5` : id;
      label.textContent = slider.label;
      const section = document.createElement("span");
      section.className = "slider-section";
      section.textContent = ` [${slider.path.slice(0, slider.path.indexOf("."))}]`;
      label.appendChild(section);
      const value = document.createElement("output");
      value.className = "slider-value";
      value.textContent = slider.uncertain ? sliderRangeText(slider, slider.p5, slider.p95) : sliderText(slider, slider.value);
      if (slider.uncertain) value.title = "5th to 95th percentile";
      const head = document.createElement("div");
      head.className = "slider-head";
      head.append(label, value);

      const preset = document.createElement("div");
      preset.className = "slider-preset";
      preset.textContent = `preset: ${slider.preset || "(not set)"}`;
      const source = document.createElement("div");
      source.className = "slider-source";
      if (slider.preset_source) {
        source.textContent = `preset's source: ${slider.preset_source}`;
        if (slider.source) source.title = `source of the key's default: ${slider.source}`;
      } else {
        source.textContent = slider.source ? `source of the key's default: ${slider.source}` : "";
      }

      const parts = { row, value, preset };
      const control = slider.uncertain ? intervalControl(slider, id, parts) : pointControl(slider, id, parts);
      row.append(head, control.element, preset, source);
      const overridden = slider.overridden_by || [];
      if (overridden.length > 0) {
        const own = document.createElement("div");
        own.className = "slider-note slider-own";
        own.textContent = overridden.length === 1
          ? `${overridden[0]} sets its own value: this slider does not move it`
          : `${overridden.join(", ")} set their own values: this slider does not move them`;
        row.appendChild(own);
      }
      if (slider.disabled) {
        for (const input of control.inputs) input.disabled = true;
        row.classList.add("disabled");
        const note = document.createElement("div");
        note.className = "slider-note";
        note.textContent = `not used by this preset: ${slider.disabled}`;
        row.appendChild(note);
      }
      holder.appendChild(row);
    }
  }

  // ---------------------------------------------------------------------------
  // Presets, download, save
  // ---------------------------------------------------------------------------

  async function loadPresetList(selected) {
    const response = await fetch("/api/presets");
    if (!response.ok) {
      showProblems(await errorOf(response), "Presets unavailable");
      return [];
    }
    const body = await response.json();
    state.limits = body.limits;
    $("draws").max = String(body.limits.max_draws);
    setText("notes", body.notes.join(" "));
    const select = $("preset");
    clear(select);
    const groups = { bundled: "Bundled scenarios", run: "Stored runs" };
    for (const [kind, title] of Object.entries(groups)) {
      const items = body.presets.filter((p) => p.kind === kind);
      if (!items.length) continue;
      const group = document.createElement("optgroup");
      group.label = title;
      for (const preset of items) {
        const option = document.createElement("option");
        option.value = preset.id;
        option.textContent = preset.label;
        option.title = preset.description;
        group.appendChild(option);
      }
      select.appendChild(group);
    }
    if (selected) select.value = selected;
    return body.presets;
  }

  async function loadPreset(id) {
    // the sliders are about to be the preset's: an update still waiting to be sent, or whose answer is still
    // on its way, is out of date (its answer would draw the old sliders after the reset)
    clearTimeout(state.timer);
    state.sequence += 1;
    setStatus("loading preset…", "busy");
    const response = await fetch(`/api/presets/${encodeURIComponent(id)}`);
    if (!response.ok) {
      showProblems(await errorOf(response), `Preset ${id}`);
      setStatus("error", "error");
      return;
    }
    const preset = await response.json();
    state.presetId = preset.id;
    state.scenario = preset.scenario;
    state.sliders = preset.sliders;
    state.intervals = {};
    state.labs = preset.labs || [];
    state.lab = state.labs.length > 0 ? state.labs[0] : null;
    renderLabChoice();
    $("draws").value = String(preset.draws);
    $("seed").value = String(preset.seed);
    setText("preset-description", preset.description);
    renderSliders();
    simulateNow(0);
  }

  function filenameOf(response) {
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([A-Za-z0-9._-]+)"/.exec(disposition);
    return match ? match[1] : "scenario.toml";
  }

  async function download() {
    const response = await post("/api/scenario.toml");
    if (!response.ok) {
      showProblems(await errorOf(response), "Download refused");
      return;
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filenameOf(response);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }

  // A save is not stopped by later simulations; a busy server (503) is asked again once, after Retry-After.
  async function save(attempt) {
    const saved = $("saved");
    saved.textContent = "saving…";
    saved.removeAttribute("data-run-id");
    let response;
    try {
      response = await post("/api/runs", { message: $("message").value });
    } catch (error) {
      saved.textContent = `not saved: ${error}`;
      return;
    }
    const wait = retryAfterSeconds(response);
    if (wait !== null && !attempt) {
      saved.textContent = `server busy: saving again in ${wait} s`;
      setTimeout(() => save(1), wait * 1000);
      return;
    }
    if (!response.ok) {
      const error = await errorOf(response);
      saved.textContent = `not saved: ${error.error}`;
      showProblems(error, "Save refused");
      return;
    }
    const result = await response.json();
    saved.textContent = `Saved as run ${result.run_id} in ${result.store}`;
    saved.setAttribute("data-run-id", result.run_id);
    await loadPresetList(state.presetId);
  }

  async function start() {
    $("preset").addEventListener("change", (event) => loadPreset(event.target.value));
    $("draws").addEventListener("change", scheduleSimulation);
    $("seed").addEventListener("change", scheduleSimulation);
    $("lab").addEventListener("change", (event) => selectLab(event.target.value));
    $("reset").addEventListener("click", () => { if (state.presetId) loadPreset(state.presetId); });
    $("download").addEventListener("click", download);
    $("save").addEventListener("click", () => save(0));
    const presets = await loadPresetList(null);
    if (presets.length) {
      $("preset").value = presets[0].id;
      await loadPreset(presets[0].id);
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
