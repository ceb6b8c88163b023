/**
 * How the CLI reports failures: a user mistake is one line on stderr and exit code 2, a device
 * lost for good is one line and exit code 4, anything else is a bug (exit code 1, stack only with
 * `WGTUNE_DEBUG=1`), and Ctrl-C exits with 130. A tune in which no config of some problem ran
 * correctly exits with 3 (see {@linkcode EXIT_NO_CORRECT_CONFIG}).
 *
 * @module
 */
import { CommanderError } from "commander";
import { DeviceLostError, NoAdapterError } from "../gpu/device.ts";
import { CacheDirError, CacheFormatError } from "../cache/mod.ts";
import { UnsupportedModelError } from "../runtime/plan.ts";

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code of an unexpected failure (a bug). */
export const EXIT_BUG = 1;
/** Exit code of a user mistake: bad option, bad shape, unusable cache dir, no adapter. */
export const EXIT_USAGE = 2;
/**
 * Exit code of `wgtune tune` when, for at least one problem, no config ran correctly (every
 * candidate failed: wrong result, compile or run-time error, timeout, device lost). The report of
 * every problem is still printed; such a problem's tuned time shows "-" (`null` in JSON).
 */
export const EXIT_NO_CORRECT_CONFIG = 3;
/**
 * Exit code when the GPU device was lost and could not be reopened (`DeviceLostError`): the
 * results of the problems tuned before are printed, every finished trial is in the cache.
 */
export const EXIT_DEVICE_LOST = 4;
/** Exit code after Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line or in what it points at; reported without a stack trace. */
export class UsageError extends Error {
  /** Creates the error with the message shown after `wgtune: error: `. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * True for errors the user can fix: {@linkcode UsageError}, commander's parse errors, and the
 * library's input errors (`RangeError`, `TypeError`, `CacheDirError`, `CacheFormatError`,
 * `NoAdapterError`).
 */
export function isUserError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof CommanderError ||
    error instanceof RangeError || error instanceof TypeError ||
    error instanceof CacheDirError || error instanceof CacheFormatError ||
    error instanceof NoAdapterError || error instanceof UnsupportedModelError;
}

/** The message of an error as one line (commander's own `error: ` prefix removed). */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Writes the report of an error to stderr and returns the exit code: `wgtune: error: <message>`
 * and 2 for user errors, 4 for a device lost for good ({@linkcode EXIT_DEVICE_LOST}); the same line, the stack when `WGTUNE_DEBUG=1`, and 1 for bugs.
 */
export function reportError(error: unknown, writeErr: (text: string) => void): number {
  if (error instanceof DeviceLostError) {
    writeErr(`wgtune: error: ${oneLine(error)}\n`);
    return EXIT_DEVICE_LOST;
  }
  if (isUserError(error)) {
    writeErr(`wgtune: error: ${oneLine(error)}\n`);
    if (Deno.env.get("WGTUNE_DEBUG") === "1" && error instanceof Error && error.stack) {
      writeErr(`${error.stack}\n`);
    }
    return EXIT_USAGE;
  }
  if (Deno.env.get("WGTUNE_DEBUG") === "1") {
    writeErr(`wgtune: error: ${oneLine(error)}\n`);
    if (error instanceof Error && error.stack) writeErr(`${error.stack}\n`);
  } else {
    writeErr(
      `wgtune: error: ${oneLine(error)} (unexpected; rerun with WGTUNE_DEBUG=1 for details)\n`,
    );
  }
  return EXIT_BUG;
}
