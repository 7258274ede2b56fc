// frontiersim dashboard charts: draws the Vega-Lite specifications /api/simulate answers with.
// The specifications are made on the server by the functions that draw the HTML report's charts
// (frontiersim.charts); this script only hands them to Vega-Embed (served from /static/vendor/vega.js,
// nothing from elsewhere) and adds the log-scale toggle. Vega runs expressions with its interpreter
// (ast: true), so the page's Content-Security-Policy needs no 'unsafe-eval'; Vega-Embed and the tooltip
// inject no style sheet (their style is in style.css).
"use strict";

(function () {
  const USERMETA_KEY = "frontiersim";
  const views = {}; // chart name -> Vega view drawn
  const drawn = {}; // chart name -> specification drawn
  const sources = {}; // chart name -> specification as the server sent it
  const logChoice = {}; // chart name -> log scale chosen by the user (kept across updates)
  let drawing = Promise.resolve(); // the charts are drawn one answer (or toggle) after the other

  function toggleOf(spec) {
    const meta = (spec.usermeta || {})[USERMETA_KEY] || {};
    return meta.log_toggle || null;
  }

  // The specification with its value axis in the log (or linear) form its usermeta records: on every
  // y encoding that has a scale, that form's scale and axis ticks. As frontiersim.charts.scales.with_log_scale.
  function withLogScale(spec, log) {
    const toggle = toggleOf(spec);
    if (!toggle) return spec;
    const form = toggle.forms[log ? "log" : "linear"];
    const walk = (node) => {
      if (Array.isArray(node)) return node.map(walk);
      if (node === null || typeof node !== "object") return node;
      const copied = {};
      for (const [key, value] of Object.entries(node)) copied[key] = key === "usermeta" ? value : walk(value);
      const y = copied.encoding && copied.encoding.y;
      if (y && typeof y === "object" && "scale" in y) {
        y.scale = Object.assign({}, form.scale);
        const axis = Object.assign({}, y.axis || {});
        if (form.axis_values === null) delete axis.values; else axis.values = form.axis_values.slice();
        y.axis = axis;
      }
      return copied;
    };
    const result = walk(spec);
    const meta = Object.assign({}, spec.usermeta[USERMETA_KEY]);
    meta.log_toggle = Object.assign({}, toggle, { log: log });
    result.usermeta = Object.assign({}, spec.usermeta, { [USERMETA_KEY]: meta });
    return result;
  }

  function elementId(name) {
    return `chart-${name.replace(/^fan:/, "").replace(/[^A-Za-z0-9_-]/g, "-")}`;
  }

  function figureFor(grid, name, spec) {
    const id = elementId(name);
    let figure = document.querySelector(`figure[data-chart="${CSS.escape(name)}"]`);
    if (!figure) {
      figure = document.createElement("figure");
      figure.className = "chart";
      figure.setAttribute("data-chart", name);
      const head = document.createElement("div");
      head.className = "chart-head";
      const holder = document.createElement("div");
      holder.className = "vega-chart";
      holder.id = id;
      figure.append(head, holder);
    }
    grid.appendChild(figure); // in the order the server gives
    const head = figure.querySelector(".chart-head");
    const toggle = toggleOf(spec);
    let box = head.querySelector("input.log-toggle");
    if (toggle && !box) {
      const label = document.createElement("label");
      label.className = "log-scale";
      box = document.createElement("input");
      box.type = "checkbox";
      box.className = "log-toggle";
      box.addEventListener("change", () => {
        logChoice[name] = box.checked;
        drawing = drawing.then(() => draw(figure, name).catch(reportError));
      });
      label.append(box, document.createTextNode(" log scale"));
      head.appendChild(label);
    } else if (!toggle && box) {
      box.closest("label").remove();
    }
    return figure;
  }

  function reportError(error) {
    console.error(`chart not drawn: ${error}`);
  }

  async function draw(figure, name) {
    const source = sources[name];
    const toggle = toggleOf(source);
    const log = toggle ? (name in logChoice ? logChoice[name] : toggle.log) : false;
    const spec = toggle ? withLogScale(source, log) : source;
    const box = figure.querySelector("input.log-toggle");
    if (box) box.checked = log;
    const holder = figure.querySelector(".vega-chart");
    const result = await window.vegaEmbed(holder, spec, {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      logLevel: 1, // vega.Error: not the warnings of an empty hover layer
      tooltip: { disableDefaultStyle: true, theme: "light" },
    });
    if (views[name] && views[name] !== result.view) views[name].finalize();
    views[name] = result.view;
    drawn[name] = spec;
    let scaleType = "";
    try { scaleType = result.view.scale("y").type; } catch (_) { /* a chart without a y scale */ }
    figure.setAttribute("data-scale", scaleType || "");
  }

  // Draw every chart of an answer (in its order); charts the answer no longer has are removed. A chart
  // that cannot be drawn is reported in the console; the others are drawn all the same. Answers are drawn
  // one after the other, in the order they are given, so an older answer never overwrites a newer one.
  function render(charts) {
    drawing = drawing.then(() => renderNow(charts));
    return drawing;
  }

  async function renderNow(charts) {
    const grid = document.getElementById("chart-grid");
    const wanted = new Set(charts.map((chart) => chart.name));
    for (const figure of Array.from(grid.querySelectorAll("figure[data-chart]"))) {
      const name = figure.getAttribute("data-chart");
      if (!wanted.has(name)) {
        if (views[name]) views[name].finalize();
        delete views[name]; delete drawn[name]; delete sources[name];
        figure.remove();
      }
    }
    const figures = charts.map((chart) => {
      sources[chart.name] = chart.spec;
      return [chart.name, figureFor(grid, chart.name, chart.spec)];
    });
    await Promise.all(figures.map(([name, figure]) => draw(figure, name).catch(reportError)));
  }

  window.frontiersimCharts = { render, withLogScale, views, drawn, sources };
})();
