/**
 * Plain-text tables and the compact number and config formats the CLI prints.
 *
 * @module
 */
import type { Config } from "../core/types.ts";

/** Column alignment. */
export type Align = "left" | "right";

/** A column of {@linkcode formatTable}. */
export interface Column {
  /** Header text. */
  readonly header: string;
  /**
   * Alignment of the cells.
   * @default {"left"}
   */
  readonly align?: Align;
}

/**
 * Formats rows under headers with columns padded to their widest cell and separated by two
 * spaces; trailing spaces are trimmed.
 *
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * console.log(formatTable([{ header: "a" }, { header: "ms", align: "right" }], [["x", "1.5"]]));
 * // a  ms
 * // x  1.5
 * ```
 */
export function formatTable(columns: readonly Column[], rows: readonly string[][]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    columns.map((column, i) => {
      const cell = cells[i] ?? "";
      return column.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    }).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n");
}

/** A time in ms with three significant digits (at least two decimals below 1 ms); `-` if unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** GFLOPS with three significant digits (no decimals from 100 on); `-` if unknown. */
export function formatGflops(gflops: number | null | undefined): string {
  if (gflops === null || gflops === undefined || !Number.isFinite(gflops) || gflops <= 0) {
    return "-";
  }
  return gflops >= 100
    ? gflops.toFixed(0)
    : gflops >= 10
    ? gflops.toFixed(1)
    : gflops.toPrecision(3);
}

/** A speedup such as `2.31x`; `-` if unknown. */
export function formatSpeedup(speedup: number | null | undefined): string {
  if (speedup === null || speedup === undefined || !Number.isFinite(speedup) || speedup <= 0) {
    return "-";
  }
  return `${speedup.toFixed(2)}x`;
}

/**
 * A config on one short line: string values bare, numbers and flags as `name=value`, in the
 * config's key order.
 *
 * @example
 * ```ts
 * import { formatConfig } from "./table.ts";
 * console.log(formatConfig({ variant: "register", tileM: 32, vec: 4, padded: true }));
 * // "register tileM=32 vec=4 padded=true"
 * ```
 */
export function formatConfig(config: Config | null | undefined): string {
  if (!config) return "-";
  return Object.entries(config)
    .map(([name, value]) => typeof value === "string" ? value : `${name}=${value}`)
    .join(" ");
}
