import assert from "node:assert/strict";
import path from "node:path";
import { processMayExist, withFileLock } from "./file_lock.ts";
import { namesIn, tempDir } from "./testdata/fixtures.ts";

/** A pid above Linux's largest possible pid_max (2^22), so no such process exists. */
const DEAD_PID = 99_999_999;

async function writeLock(lock: string, info: Record<string, unknown>): Promise<void> {
  await Deno.writeTextFile(lock, JSON.stringify({ host: "", token: "someone-else", ...info }));
}

Deno.test("withFileLock() runs callers one at a time, when they overlap in one process", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  let inside = 0;
  let maxInside = 0;
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) =>
    withFileLock(lock, async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      assert.ok(JSON.parse(await Deno.readTextFile(lock)).pid === Deno.pid);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(i);
      inside--;
    })
  ));
  assert.equal(maxInside, 1);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.deepEqual(await namesIn(dir.path), []);
});

Deno.test("withFileLock() releases the lock and rethrows, when the callback throws", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await assert.rejects(() => withFileLock(lock, () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await withFileLock(lock, () => Promise.resolve(42)), 42);
  assert.deepEqual(await namesIn(dir.path), []);
});

for (const host of ["", Deno.hostname()]) {
  Deno.test(
    `withFileLock() breaks a lock whose holder no longer exists, when its host is ${
      host ? "this one" : "unknown"
    }`,
    {
      ignore: Deno.build.os !== "linux",
    },
    async () => {
      await using dir = await tempDir();
      const lock = path.join(dir.path, "x.lock");
      await writeLock(lock, { pid: DEAD_PID, time: Date.now(), host });
      const broken: string[] = [];
      const start = Date.now();
      const value = await withFileLock(lock, () => Promise.resolve("got it"), {
        onBreak: (message) => broken.push(message),
      });
      assert.equal(value, "got it");
      assert.ok(Date.now() - start < 5_000);
      assert.equal(broken.length, 1);
      assert.match(broken[0]!, new RegExp(`pid ${DEAD_PID}, no longer exists`));
      assert.deepEqual(await namesIn(dir.path), []);
    },
  );
}

Deno.test("withFileLock() does not judge a lock of another host by its pid", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await writeLock(lock, { pid: DEAD_PID, time: Date.now(), host: "some-other-host.example" });
  await assert.rejects(
    () => withFileLock(lock, () => Promise.resolve(), { timeoutMs: 100 }),
    /held by pid 99999999 on some-other-host\.example/,
  );
});

Deno.test("withFileLock() never breaks a lock of a live holder on this host, however old", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  // pid 1 lives and started (at boot) before the lock's time: it has held the lock for a while,
  // well over 30 s.
  const uptimeMs = 1000 * Number((await Deno.readTextFile("/proc/uptime")).split(" ")[0]);
  const age = Math.min(3_600_000, uptimeMs - 10_000);
  assert.ok(age > 30_000, "the machine booted too recently for this test");
  for (const host of ["", Deno.hostname()]) {
    await writeLock(lock, { pid: 1, time: Date.now() - age, host });
    const broken: string[] = [];
    await assert.rejects(
      () =>
        withFileLock(lock, () => Promise.resolve(), {
          staleMs: 10,
          timeoutMs: 200,
          onBreak: (m) => broken.push(m),
        }),
      /timed out after 0 s waiting for lock '.*x\.lock' \(held by pid 1.*\); remove it if no wgtune process is running$/,
    );
    assert.deepEqual(broken, []);
    assert.equal(JSON.parse(await Deno.readTextFile(lock)).pid, 1, "the lock is kept");
  }
});

Deno.test("withFileLock() breaks a lock whose pid now belongs to a newer process, on Linux", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  // This process started after the lock's time, so it cannot be the holder.
  await writeLock(lock, { pid: Deno.pid, time: Date.now() - 3_600_000 });
  const broken: string[] = [];
  await withFileLock(lock, () => Promise.resolve(), { onBreak: (m) => broken.push(m) });
  assert.equal(broken.length, 1);
  assert.match(broken[0]!, /pid \d+, no longer exists \(the pid now belongs to a newer process\)/);
  assert.deepEqual(await namesIn(dir.path), []);
});

Deno.test("withFileLock() breaks a lock of another host only once it is older than staleMs", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  const host = "some-other-host.example";
  await writeLock(lock, { pid: 1, time: Date.now() - 60_000, host });
  await assert.rejects(() => withFileLock(lock, () => Promise.resolve(), { timeoutMs: 100 }));
  const broken: string[] = [];
  await withFileLock(lock, () => Promise.resolve(), {
    staleMs: 30_000,
    onBreak: (m) => broken.push(m),
  });
  assert.match(broken[0] ?? "", /pid 1 on some-other-host\.example, .* has held it for 60 s/);
});

Deno.test("withFileLock() breaks an unreadable lock file by its age, and waits for a fresh one", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await Deno.writeTextFile(lock, "");
  await assert.rejects(
    () => withFileLock(lock, () => Promise.resolve(), { staleMs: 60_000, timeoutMs: 100 }),
    /timed out after 0 s waiting for lock '.*x\.lock'/,
  );
  const old = new Date(Date.now() - 120_000);
  await Deno.utime(lock, old, old);
  await withFileLock(lock, () => Promise.resolve(), { staleMs: 60_000, timeoutMs: 100 });
  assert.deepEqual(await namesIn(dir.path), []);
});

Deno.test("withFileLock() waits for a live holder and names it, when it times out", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await writeLock(lock, { pid: Deno.pid, time: Date.now() });
  let ran = false;
  await assert.rejects(
    () => withFileLock(lock, () => Promise.resolve(ran = true), { timeoutMs: 150 }),
    new RegExp(`waiting for lock '.*x\\.lock' \\(held by pid ${Deno.pid}\\)`),
  );
  assert.equal(ran, false);
  assert.ok((await namesIn(dir.path)).includes("x.lock"), "a live holder's lock is kept");
});

Deno.test("withFileLock() gets the lock as soon as another process releases it", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await writeLock(lock, { pid: Deno.pid, time: Date.now() });
  setTimeout(() => Deno.removeSync(lock), 100);
  const start = Date.now();
  await withFileLock(lock, () => Promise.resolve(), { timeoutMs: 5_000 });
  assert.ok(Date.now() - start < 2_000);
});

Deno.test("withFileLock() keeps a lock that another waiter took after breaking it", async () => {
  await using dir = await tempDir();
  const lock = path.join(dir.path, "x.lock");
  await writeLock(lock, { pid: DEAD_PID, time: Date.now() });
  // The callback's lock was broken as stale and re-taken by someone else meanwhile: on release
  // the lock file is not ours, so it must stay.
  await withFileLock(lock, async () => {
    await writeLock(lock, { pid: Deno.pid, time: Date.now(), token: "next-holder" });
  });
  assert.equal(JSON.parse(await Deno.readTextFile(lock)).token, "next-holder");
});

Deno.test("withFileLock() rejects bad options naming them", async () => {
  await assert.rejects(
    () => withFileLock("x.lock", () => Promise.resolve(), { staleMs: 0 }),
    (error: Error) => error instanceof RangeError && /'staleMs'.*0/.test(error.message),
  );
  await assert.rejects(
    () => withFileLock("x.lock", () => Promise.resolve(), { timeoutMs: -1 }),
    RangeError,
  );
});

Deno.test("withFileLock() throws the file system's error, when the directory does not exist", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    () => withFileLock(path.join(dir.path, "missing", "x.lock"), () => Promise.resolve()),
    Deno.errors.NotFound,
  );
});

Deno.test("processMayExist() tells a live pid from one that does not exist, on Linux", async () => {
  assert.equal(await processMayExist(Deno.pid), true);
  assert.equal(await processMayExist(DEAD_PID), Deno.build.os !== "linux");
  assert.equal(await processMayExist(-1), true);
});
