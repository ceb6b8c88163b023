/**
 * Synchronous writes to stdout and stderr (complete even when the OS accepts partial writes), so
 * that output is never lost when the CLI exits right after writing.
 *
 * @module
 */

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

/** Writes text to stdout (results only: tables and JSON documents). */
export function writeOut(text: string): void {
  writeAll(Deno.stdout, text);
}

/** Writes text to stderr (progress, notes, errors). */
export function writeErr(text: string): void {
  writeAll(Deno.stderr, text);
}

/** True when stderr is a terminal (the progress bar is then redrawn in place). */
export function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Columns of the terminal behind stderr, or 80. */
export function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
