// Daily time series drawn with uPlot (vendored, ../vendor/uplot): one line
// of daily changes and, on the same axes, a marker on each corrected or
// flagged day.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { count } from "./dom.js";

const charts = new Map();

function width(el) {
  return Math.max(280, Math.floor(el.getBoundingClientRect().width) || 600);
}

/**
 * Draws (or redraws) a chart in el. days are unix seconds (UTC midnight),
 * values the daily changes, marked the days to mark (value or null).
 */
export function draw(el, label, colour, days, values, marked) {
  charts.get(el)?.destroy();
  const opts = {
    width: width(el),
    height: 300,
    scales: { x: { time: true } },
    axes: [{}, { values: (u, ticks) => ticks.map((v) => count(v)), size: 70 }],
    series: [
      { label: "Date", value: (u, v) => (v == null ? "–" : new Date(v * 1000).toISOString().slice(0, 10)) },
      { label, stroke: colour, width: 1.5, fill: colour + "22", value: (u, v) => count(v) },
      {
        label: "Corrected or flagged", stroke: "#a4161a", width: 0, paths: () => null,
        points: { show: true, size: 9, fill: "#a4161a", stroke: "#a4161a" }, value: (u, v) => (v == null ? "–" : count(v)),
      },
    ],
  };
  const u = new uPlot(opts, [days, values, marked], el);
  charts.set(el, u);
  el.dataset.points = String(days.length);
  el.dataset.marked = String(marked.filter((v) => v !== null).length);
  return u;
}

// Charts follow the page's width (a phone turned, a window resized).
let pending = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => {
    for (const [el, u] of charts) u.setSize({ width: width(el), height: 300 });
  });
});
