/**
 * Atomic file replacement: write a temporary file beside the target, flush it, rename it over the
 * target. Readers see the old content or the new one, never a truncated file.
 *
 * @module
 */
import path from "node:path";

/** Options of {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Flush the data to the disk before the rename, so that a power loss cannot leave an empty
   * file behind either.
   * @default {true}
   */
  sync?: boolean;
}

/**
 * The name of a temporary file for `target`: `<target>.<pid>.<random>.tmp`, in the same
 * directory (so that the rename stays on one file system).
 *
 * @example Name a temporary file
 * ```ts
 * import { tempPathFor } from "./atomic_write.ts";
 * console.log(tempPathFor("/cache/dev.json")); // "/cache/dev.json.1234.k3j2h1.tmp"
 * ```
 */
export function tempPathFor(target: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  const suffix = [...random].map((n) => n.toString(36)).join("");
  return `${target}.${Deno.pid}.${suffix}.tmp`;
}

/**
 * True for names {@linkcode tempPathFor} makes, of any target.
 *
 * @example Recognize temporary files
 * ```ts
 * import { isTempFileName } from "./atomic_write.ts";
 * console.log(isTempFileName("dev.json.1234.k3j2h1.tmp")); // true
 * console.log(isTempFileName("dev.json")); // false
 * ```
 */
export function isTempFileName(name: string): boolean {
  return /\.\d+\.[0-9a-z]+\.tmp$/.test(name);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}

/**
 * Replaces `target` with `data` atomically. `data` may be a string, bytes, or string chunks
 * (written as they come). When anything fails (including the chunks' iterator throwing) the
 * temporary file is removed, `target` is left as it was, and the error is rethrown.
 *
 * @example Write and read back
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.json`, '{"ok":true}\n');
 * console.log(await Deno.readTextFile(`${dir}/a.json`)); // '{"ok":true}\n'
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | Iterable<string>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const { sync = true } = options;
  const temp = tempPathFor(path.resolve(target));
  const encoder = new TextEncoder();
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(temp, { createNew: true, write: true });
    if (typeof data === "string") await writeAll(file, encoder.encode(data));
    else if (data instanceof Uint8Array) await writeAll(file, data);
    else for (const chunk of data) await writeAll(file, encoder.encode(chunk));
    if (sync) await file.syncData();
    file.close();
    file = undefined;
    await Deno.rename(temp, target);
  } catch (error) {
    file?.close();
    try {
      await Deno.remove(temp);
    } catch {
      // Not created, or already gone: nothing to clean up.
    }
    throw error;
  }
}
