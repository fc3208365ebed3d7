/** How numbers and errors appear in the result tables. */

/** 13 900 -> "13.9k", 7 900 000 -> "7.90M": three significant digits. */
export function formatCount(value) {
  if (value === undefined || Number.isNaN(value)) return "—";
  const units = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [scale, unit] of units) {
    if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)}${unit}`;
  }
  return value.toPrecision(3);
}

/** Bytes per second as decimal megabytes per second. */
export function formatMBps(bytesPerSecond) {
  if (bytesPerSecond === undefined || Number.isNaN(bytesPerSecond)) return "—";
  const mb = bytesPerSecond / 1e6;
  return mb >= 100 ? mb.toFixed(0) : mb.toPrecision(3);
}

/** Bytes as MiB, one decimal. */
export function formatMiB(bytes) {
  if (bytes === undefined || Number.isNaN(bytes)) return "—";
  return (bytes / 2 ** 20).toFixed(1);
}

export function formatRatio(value, baseline) {
  if (!value || !baseline) return "—";
  return `${(value / baseline).toFixed(2)}×`;
}

export function formatSize(bytes) {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The first line of an error's message, for a table cell. */
export function firstLine(error) {
  return String(error?.message ?? error).split("\n")[0];
}

/** Milliseconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
