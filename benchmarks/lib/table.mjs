/** Renders a markdown table; `align` holds "l" or "r" per column (numbers right-aligned). */
export function markdownTable(headers, rows, align = headers.map(() => "l")) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? "")));
  const widths = headers.map((_, column) => Math.max(3, ...cells.map((row) => row[column].length)));
  const pad = (text, column) =>
    align[column] === "r" ? text.padStart(widths[column]) : text.padEnd(widths[column]);
  const line = (row) => `| ${row.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((width, column) => (align[column] === "r" ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}
