import assert from "node:assert/strict";
import path from "node:path";
import { isTempFileName, tempPathFor, writeFileAtomic } from "./atomic_write.ts";
import { namesIn, tempDir } from "./testdata/fixtures.ts";

Deno.test("writeFileAtomic() replaces the file and leaves no temporary file, when it succeeds", async () => {
  await using dir = await tempDir();
  const target = path.join(dir.path, "a.json");
  await writeFileAtomic(target, "old\n");
  await writeFileAtomic(target, new TextEncoder().encode("new\n"));
  assert.equal(await Deno.readTextFile(target), "new\n");
  await writeFileAtomic(target, ["chunk 1, ", "chunk 2\n"], { sync: false });
  assert.equal(await Deno.readTextFile(target), "chunk 1, chunk 2\n");
  assert.deepEqual(await namesIn(dir.path), ["a.json"]);
});

Deno.test("writeFileAtomic() leaves the existing file untouched and removes its temporary file, when writing fails midway", async () => {
  await using dir = await tempDir();
  const target = path.join(dir.path, "a.json");
  await Deno.writeTextFile(target, '{"good":true}\n');
  function* crashing(): Generator<string> {
    yield '{"half":';
    // The temporary file now holds a partial write.
    throw new Error("crashed mid-write");
  }
  await assert.rejects(() => writeFileAtomic(target, crashing()), /crashed mid-write/);
  assert.equal(await Deno.readTextFile(target), '{"good":true}\n');
  assert.deepEqual(await namesIn(dir.path), ["a.json"]);
});

Deno.test("writeFileAtomic() leaves the existing file untouched, when the directory is read-only", {
  ignore: Deno.build.os === "windows" || Deno.uid() === 0, // root writes anyway
}, async () => {
  await using dir = await tempDir();
  const target = path.join(dir.path, "a.json");
  await Deno.writeTextFile(target, "good\n");
  await Deno.chmod(dir.path, 0o555);
  await assert.rejects(() => writeFileAtomic(target, "new\n"), Deno.errors.PermissionDenied);
  await Deno.chmod(dir.path, 0o755);
  assert.equal(await Deno.readTextFile(target), "good\n");
  assert.deepEqual(await namesIn(dir.path), ["a.json"]);
});

Deno.test("writeFileAtomic() removes its temporary file, when the rename fails", async () => {
  await using dir = await tempDir();
  const target = path.join(dir.path, "occupied");
  await Deno.mkdir(path.join(target, "child"), { recursive: true });
  await assert.rejects(() => writeFileAtomic(target, "data"));
  assert.deepEqual(await namesIn(dir.path), ["occupied"]);
  assert.deepEqual(await namesIn(target), ["child"]);
});

Deno.test("tempPathFor() names a unique sibling that isTempFileName() recognizes", () => {
  const a = tempPathFor("/cache/dev.json");
  const b = tempPathFor("/cache/dev.json");
  assert.notEqual(a, b);
  assert.ok(a.startsWith(`/cache/dev.json.${Deno.pid}.`));
  assert.ok(isTempFileName(path.basename(a)));
  assert.ok(!isTempFileName("dev.json"));
  assert.ok(!isTempFileName("dev.json.lock"));
});
