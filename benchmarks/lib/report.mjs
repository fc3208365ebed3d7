/**
 * The report of a run: `report.md` (what the run measured, one chart and one table per suite) plus
 * the charts as SVG files beside it, and the raw results as `results.json`.
 *
 * Charts are Vega-Lite specifications rendered to SVG by Vega in Node (`View.toSVG()` needs no
 * canvas or browser), so this file only describes what to draw: every target of a suite in one chart,
 * msg's targets next to every baseline measured in the same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderPubsub } from "../suites/pubsub.mjs";
import { renderReqrep } from "../suites/reqrep.mjs";
import { renderStalled } from "../suites/stalled.mjs";
import { formatSize } from "./format.mjs";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 560;

/** Baselines first (in this order), then msg's targets, then anything else, alphabetically. */
const TARGET_ORDER = ["raw-net", "raw-net-batched", "raw-unix", "raw-ws", "zeromq", "axon"];

function targetOrder(rows) {
  const names = [...new Set(rows.map((row) => row.target))];
  const rank = (name) => {
    const known = TARGET_ORDER.indexOf(name);
    if (known !== -1) return known;
    return name.startsWith("msg-") ? TARGET_ORDER.length : TARGET_ORDER.length + 1;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * One panel per case, one bar per target. Each panel has its own linear axis: rates of one chart
 * span four decades (QUIC against unix sockets), which a shared axis would flatten, and a log axis
 * makes bar lengths misleading.
 */
function panelsPerCase({ title, subtitle, values, caseOrder, valueTitle, targets }) {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle },
    data: { values },
    facet: {
      row: {
        field: "case",
        type: "nominal",
        sort: caseOrder,
        title: null,
        header: { labelOrient: "top", labelAnchor: "start", labelFontWeight: "bold", labelFontSize: 12 },
      },
    },
    spec: {
      width: WIDTH,
      height: { step: 14 },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "target", type: "nominal", sort: targets, title: null },
        x: { field: "value", type: "quantitative", title: valueTitle },
        color: {
          field: "target",
          type: "nominal",
          legend: null,
          scale: { domain: targets, scheme: "tableau10" },
        },
      },
    },
    resolve: { scale: { x: "independent" } },
  };
}

/** Vega-Lite specifications, by file name, for the suites present in `results`. */
export function chartSpecs(results) {
  const specs = {};
  const ok = (rows) => (rows ?? []).filter((row) => !row.error && row.target !== "—");
  // One order and one colour per target across every chart of the report.
  const targets = targetOrder(["reqrep", "pubsub", "stalled"].flatMap((suite) => ok(results[suite])));

  const reqrep = ok(results.reqrep);
  if (reqrep.length > 0) {
    const values = reqrep.map(({ target, label, rate }) => ({ target, case: label, value: rate }));
    specs["reqrep.svg"] = panelsPerCase({
      title: "Req/Rep: requests per second",
      subtitle: "two processes on loopback; higher is better; each case has its own scale",
      values,
      caseOrder: [...new Set(values.map((row) => row.case))],
      valueTitle: "requests/s",
      targets,
    });
  }

  const pubsub = ok(results.pubsub);
  if (pubsub.length > 0) {
    const values = pubsub.map(({ target, subscribers, size, rate }) => ({
      target,
      case: `${subscribers} sub${subscribers === 1 ? "" : "s"}, ${formatSize(size)}`,
      value: rate,
    }));
    specs["pubsub.svg"] = panelsPerCase({
      title: "Pub/Sub: messages per second per subscriber",
      subtitle: "publisher and subscribers in two processes on loopback; higher is better",
      values,
      caseOrder: [...new Set(values.map((row) => row.case))],
      valueTitle: "messages/s per subscriber",
      targets,
    });
  }
  const stalled = ok(results.stalled);
  if (stalled.length > 0) {
    specs["stalled.svg"] = {
      $schema: SCHEMA,
      title: {
        text: "Publisher memory growth with one frozen subscriber",
        subtitle: "MB/s of RSS growth while 10 MB/s is offered; lower is better",
      },
      data: {
        values: stalled.map(({ target, growthPerSecond }) => ({ target, growth: growthPerSecond / 1e6 })),
      },
      width: WIDTH,
      height: { step: 18 },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: {
          field: "target",
          type: "nominal",
          sort: targets.filter((name) => stalled.some((row) => row.target === name)),
          title: null,
        },
        x: { field: "growth", type: "quantitative", title: "publisher RSS growth, MB/s" },
        color: {
          field: "target",
          type: "nominal",
          legend: null,
          scale: { domain: targets, scheme: "tableau10" },
        },
      },
    };
  }
  return specs;
}

/** Renders one Vega-Lite specification to an SVG string. */
export async function renderSvg(spec) {
  // Loaded on demand: only a run that writes a report pays for them.
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const SUITE_SECTIONS = [
  ["reqrep", "Req/Rep (two processes, loopback)", renderReqrep],
  ["pubsub", "Pub/Sub (publisher process, subscribers process, loopback)", renderPubsub],
  ["stalled", "Pub/Sub with one stalled subscriber (publisher memory)", renderStalled],
];

/** The Markdown of the report; `chartFiles` are the SVG names written beside it. */
export function reportMarkdown(results, chartFiles, { command }) {
  const { meta } = results;
  const timing = meta.timing ?? {};
  const lines = [
    "# msg benchmark report",
    "",
    `Made by \`${command}\` on ${meta.date}: Node ${meta.node}, ${meta.cpus} CPU(s)` +
      (meta.loadAverage ? `, load average ${meta.loadAverage.join(" ")} at start` : "") +
      `. Mode ${meta.quick ? "quick" : "full"}: warm-up ${timing.warmupMs} ms, then the median of ` +
      `${timing.repeats} window(s) of ${timing.durationMs} ms.`,
    "",
    "Ratios compare targets measured in this same run; absolute numbers depend on the machine and its load.",
  ];
  for (const [suite, title, render] of SUITE_SECTIONS) {
    const rows = results[suite];
    if (!rows) continue;
    lines.push("", `## ${title}`, "");
    const chart = `${suite}.svg`;
    if (chartFiles.includes(chart)) lines.push(`![${title}](${chart})`, "");
    lines.push(rows.length > 0 ? render(rows) : "no target supports this suite");
  }
  const scripts = ["topic", "wire", "quic-raw", "sim"].filter((name) => results[name] !== undefined);
  if (scripts.length > 0) {
    lines.push(
      "",
      "## Script suites",
      "",
      `${scripts.join(", ")}: their tables were printed during the run; their figures are in results.json.`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes report.md, the charts and results.json into `dir`; returns the files written. */
export async function writeReport(results, dir, { command }) {
  mkdirSync(dir, { recursive: true });
  const written = [];
  for (const [file, spec] of Object.entries(chartSpecs(results))) {
    writeFileSync(join(dir, file), await renderSvg(spec));
    written.push(file);
  }
  writeFileSync(join(dir, "report.md"), reportMarkdown(results, written, { command }));
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  return ["report.md", ...written, "results.json"];
}
