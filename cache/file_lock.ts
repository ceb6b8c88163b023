/**
 * A cross-process lock file: `Deno.open(..., { createNew: true })` holds it, removing the file
 * releases it. A lock of this host is broken only when its holder is dead (its pid is gone, or
 * was reused by a process started after the lock was taken; on Linux), never because of its age:
 * a live holder keeps its lock however long it takes. A lock whose holder cannot be checked
 * (another host, or an unreadable lock file) is broken once it is older than `staleMs`. Within one
 * process, callers of the same lock queue up without polling.
 *
 * @module
 */
import path from "node:path";

/** Options of {@linkcode withFileLock}. */
export interface FileLockOptions {
  /**
   * A lock whose holder cannot be checked (written on another host, or unreadable) is considered
   * abandoned and broken once it is older than this, in ms. Locks of this host are judged by
   * whether their holder lives, not by age.
   * @default {600000}
   */
  staleMs?: number;
  /**
   * Give up waiting after this long, in ms (throws an `Error` naming the lock and its holder).
   * @default {60000}
   */
  timeoutMs?: number;
  /** Called with one line when a stale lock is broken. */
  onBreak?: ((message: string) => void) | undefined;
}

/** What a lock file says about its holder. */
interface LockInfo {
  pid: number;
  host: string;
  time: number;
  token: string;
}

/** Tails of the in-process queues, by absolute lock path. */
const queues = new Map<string, Promise<void>>();

let cachedHost: string | undefined;

/** The host name when the process may read it without a prompt, else `""`. */
function hostName(): string {
  if (cachedHost !== undefined) return cachedHost;
  cachedHost = "";
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state === "granted") {
      cachedHost = Deno.hostname();
    }
  } catch {
    // No permission API or no host name: pid checks then apply to host-less locks only.
  }
  return cachedHost;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof info.pid === "number" && typeof info.time === "number" &&
      typeof info.host === "string" && typeof info.token === "string"
    ) return info as LockInfo;
  } catch {
    // An empty or partly written lock file: judged by its modification time.
  }
  return undefined;
}

/**
 * False only when `pid` certainly does not exist (Linux: no `/proc/<pid>`); true when it
 * exists or this cannot be told.
 *
 * @example Check a pid
 * ```ts
 * import { processMayExist } from "./file_lock.ts";
 * console.log(await processMayExist(Deno.pid)); // true
 * ```
 */
export async function processMayExist(pid: number): Promise<boolean> {
  if (Deno.build.os !== "linux" || !Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}

/** Boot time of this machine in ms since the epoch (Linux), `undefined` when unknown. */
let cachedBoot: Promise<number | undefined> | undefined;

function bootTimeMs(): Promise<number | undefined> {
  cachedBoot ??= Deno.readTextFile("/proc/stat").then(
    (text) => {
      const seconds = Number(/^btime\s+(\d+)$/m.exec(text)?.[1]);
      return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
    },
    () => undefined,
  );
  return cachedBoot;
}

/**
 * When process `pid` started, in ms since the epoch (Linux, from `/proc/<pid>/stat` and the
 * boot time; clock ticks taken as 100 per second), or `undefined` when this cannot be told.
 */
async function processStartMs(pid: number): Promise<number | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const boot = await bootTimeMs();
  if (boot === undefined) return undefined;
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces): state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? boot + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Age of an abandoned break guard (`<lock>.break`), in ms. */
const GUARD_STALE_MS = 30_000;

/** Clock slack when comparing a process's start with a lock's time, in ms. */
const START_SLACK_MS = 5_000;

/**
 * Whether the holder of a lock taken at `time` by `pid` on this host is certainly dead: no such
 * process, or one started after the lock was taken (the pid was reused).
 */
async function holderIsDead(pid: number, time: number): Promise<string | undefined> {
  if (!(await processMayExist(pid))) return `its holder, pid ${pid}, no longer exists`;
  const start = await processStartMs(pid);
  if (start !== undefined && start > time + START_SLACK_MS) {
    return `its holder, pid ${pid}, no longer exists (the pid now belongs to a newer process)`;
  }
  return undefined;
}

/** Why the lock with this content is stale, or `undefined` when it is not. */
async function staleReason(
  lockPath: string,
  text: string,
  staleMs: number,
): Promise<string | undefined> {
  const info = parseLock(text);
  if (info !== undefined) {
    // A lock without a host name was written by a process that could not read it: most likely
    // on this machine (cache directories are local), so its pid is checked too.
    const local = info.host === "" || info.host === hostName();
    if (local && Deno.build.os === "linux") {
      // A live holder keeps its lock however long it holds it (a slow disk, a stopped process):
      // breaking it would let two writers interleave.
      return await holderIsDead(info.pid, info.time);
    }
    if (local && !(await processMayExist(info.pid))) {
      return `its holder, pid ${info.pid}, no longer exists`;
    }
    const age = Date.now() - info.time;
    return age > staleMs
      ? `pid ${info.pid}${
        info.host ? ` on ${info.host}` : ""
      }, which cannot be checked from here, ` +
        `has held it for ${Math.round(age / 1000)} s`
      : undefined;
  }
  let mtime: Date | null;
  try {
    mtime = (await Deno.stat(lockPath)).mtime;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const age = mtime === null ? 0 : Date.now() - mtime.getTime();
  return age > staleMs ? `it is unreadable and ${Math.round(age / 1000)} s old` : undefined;
}

/**
 * Removes the lock if it still has the content judged stale. A second, short-lived guard file
 * makes "check, then remove" atomic among breakers, so that two waiters that both saw the same
 * stale lock cannot remove a fresh lock taken by one of them in between.
 */
async function breakLock(lockPath: string, staleText: string): Promise<boolean> {
  const guard = `${lockPath}.break`;
  try {
    (await Deno.open(guard, { createNew: true, write: true })).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    const mtime = (await Deno.stat(guard).catch(() => undefined))?.mtime;
    // The guard is held for a read and a remove: one this old was left by a crashed breaker.
    if (mtime && Date.now() - mtime.getTime() > GUARD_STALE_MS) {
      await Deno.remove(guard).catch(() => {});
    }
    return false;
  }
  try {
    if ((await readText(lockPath)) !== staleText) return false;
    await Deno.remove(lockPath).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    return true;
  } finally {
    await Deno.remove(guard).catch(() => {});
  }
}

/** Takes the lock file; resolves to its release function. */
async function acquire(
  lockPath: string,
  staleMs: number,
  timeoutMs: number,
  onBreak: ((message: string) => void) | undefined,
): Promise<() => Promise<void>> {
  const token = [...crypto.getRandomValues(new Uint32Array(2))].map((n) => n.toString(36)).join("");
  const start = Date.now();
  let delay = 2;
  while (true) {
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(lockPath, { createNew: true, write: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    if (file !== undefined) {
      const info: LockInfo = { pid: Deno.pid, host: hostName(), time: Date.now(), token };
      try {
        const bytes = new TextEncoder().encode(JSON.stringify(info));
        let offset = 0;
        while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
      } catch (error) {
        file.close();
        await Deno.remove(lockPath).catch(() => {});
        throw error;
      }
      file.close();
      return async () => {
        try {
          const text = await readText(lockPath);
          if (text !== undefined && parseLock(text)?.token === token) await Deno.remove(lockPath);
        } catch {
          // Already gone, or unreadable now: a later waiter judges it stale.
        }
      };
    }
    const text = await readText(lockPath);
    if (text === undefined) continue; // released meanwhile: try again at once
    const reason = await staleReason(lockPath, text, staleMs);
    if (reason !== undefined) {
      if (await breakLock(lockPath, text)) {
        onBreak?.(`broke stale lock '${lockPath}': ${reason}`);
      }
      continue;
    }
    const waited = Date.now() - start;
    if (waited > timeoutMs) {
      const holder = parseLock(text);
      throw new Error(
        `timed out after ${Math.round(waited / 1000)} s waiting for lock '${lockPath}'${
          holder ? ` (held by pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ""})` : ""
        }; remove it if no wgtune process is running`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Runs `fn` while holding the lock file `lockPath` (created and removed by this function), and
 * releases it in all cases. Callers in this process queue up in order; other processes retry
 * with a short backoff. Throws an `Error` after `timeoutMs` of waiting, and the file system's
 * error when the lock cannot be created at all (for example a missing directory).
 *
 * @example Serialize updates of a file
 * ```ts
 * import { withFileLock } from "./file_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const counter = `${dir}/counter`;
 * await Deno.writeTextFile(counter, "0");
 * await Promise.all([1, 2, 3].map(() =>
 *   withFileLock(`${counter}.lock`, async () => {
 *     const n = Number(await Deno.readTextFile(counter));
 *     await Deno.writeTextFile(counter, String(n + 1));
 *   })
 * ));
 * console.log(await Deno.readTextFile(counter)); // "3"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { staleMs = 600_000, timeoutMs = 60_000, onBreak } = options;
  if (!(staleMs > 0)) {
    throw new RangeError(`'staleMs' must be a positive number: current value is ${staleMs}`);
  }
  if (!(timeoutMs >= 0)) {
    throw new RangeError(`'timeoutMs' must be a number >= 0: current value is ${timeoutMs}`);
  }
  const key = path.resolve(lockPath);
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const current = new Promise<void>((resolve) => done = resolve);
  const tail = previous.then(() => current);
  queues.set(key, tail);
  await previous;
  try {
    const release = await acquire(lockPath, staleMs, timeoutMs, onBreak);
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
