import assert from "node:assert/strict";
import { defaultCacheDir, resolveCacheDir } from "./dir.ts";
import { CacheDirError } from "./errors.ts";

Deno.test("resolveCacheDir() prefers WGTUNE_CACHE_DIR, then an absolute XDG_CACHE_HOME, on every OS", () => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    assert.equal(
      resolveCacheDir({ WGTUNE_CACHE_DIR: "/x", XDG_CACHE_HOME: "/xdg", HOME: "/h" }, os),
      "/x",
    );
  }
  assert.equal(resolveCacheDir({ XDG_CACHE_HOME: "/xdg", HOME: "/h" }, "linux"), "/xdg/wgtune");
  assert.equal(resolveCacheDir({ XDG_CACHE_HOME: "/xdg", HOME: "/h" }, "darwin"), "/xdg/wgtune");
});

Deno.test("resolveCacheDir() ignores empty and relative values", () => {
  const env = { WGTUNE_CACHE_DIR: "", XDG_CACHE_HOME: "relative/dir", HOME: "/home/ada" };
  assert.equal(resolveCacheDir(env, "linux"), "/home/ada/.cache/wgtune");
});

Deno.test("resolveCacheDir() uses the platform's cache folder, when nothing is set", () => {
  assert.equal(resolveCacheDir({ HOME: "/home/ada" }, "linux"), "/home/ada/.cache/wgtune");
  assert.equal(resolveCacheDir({ HOME: "/home/ada" }, "freebsd"), "/home/ada/.cache/wgtune");
  assert.equal(
    resolveCacheDir({ HOME: "/Users/ada" }, "darwin"),
    "/Users/ada/Library/Caches/wgtune",
  );
  assert.equal(
    resolveCacheDir({ LOCALAPPDATA: "C:\\Users\\ada\\AppData\\Local" }, "windows"),
    "C:\\Users\\ada\\AppData\\Local\\wgtune",
  );
  assert.equal(
    resolveCacheDir({ USERPROFILE: "C:\\Users\\ada" }, "windows"),
    "C:\\Users\\ada\\AppData\\Local\\wgtune",
  );
});

Deno.test("resolveCacheDir() throws CacheDirError asking for WGTUNE_CACHE_DIR, when no home is known", () => {
  assert.throws(
    () => resolveCacheDir({}, "linux"),
    (error: Error) =>
      error instanceof CacheDirError && /HOME is not set; set WGTUNE_CACHE_DIR/.test(error.message),
  );
  assert.throws(() => resolveCacheDir({}, "windows"), CacheDirError);
});

Deno.test("defaultCacheDir() resolves this process's environment", () => {
  assert.equal(defaultCacheDir(), resolveCacheDir(Deno.env.toObject(), Deno.build.os));
});
