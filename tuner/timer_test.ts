import assert from "node:assert/strict";
import { delay, MAX_TIMER_MS, setLongTimeout } from "./timer.ts";

Deno.test("setLongTimeout() does not fire early, when the delay overflows setTimeout or is Infinity", async () => {
  const fired: string[] = [];
  const cancels = [
    setLongTimeout(() => fired.push("3e9"), 3_000_000_000),
    setLongTimeout(() => fired.push("max+1"), MAX_TIMER_MS + 1),
    setLongTimeout(() => fired.push("Infinity"), Infinity),
  ];
  setLongTimeout(() => fired.push("short"), 1);
  await delay(30).done;
  for (const cancel of cancels) cancel();
  assert.deepEqual(fired, ["short"]);
});

Deno.test("delay() resolves after a short delay and can be cancelled", async () => {
  await delay(2).done;
  let resolved = false;
  const wait = delay(5);
  wait.done.then(() => resolved = true);
  wait.cancel();
  await delay(20).done;
  assert.equal(resolved, false);
});
