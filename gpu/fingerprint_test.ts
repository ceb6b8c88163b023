import assert from "node:assert/strict";
import { validateFingerprint } from "../cache/validate.ts";
import { cacheFilePath, parseCacheFileName } from "../cache/cache_file.ts";
import { computeFingerprint, type FingerprintFields, slugify } from "./fingerprint.ts";

/** Adapter descriptions as real runtimes report them, plus hostile ones. */
const DESCRIPTIONS: readonly string[] = [
  "AMD Radeon Graphics (RADV GFX1103_R1) Mesa 24.2.8 (LLVM 17.0.6)",
  "ANGLE (NVIDIA, NVIDIA GeForce GTX 1650 Direct3D11 vs_5_0 ps_5_0, D3D11)",
  "ANGLE (Intel, Intel(R) UHD Graphics 630 (0x00003E9B) Direct3D11 vs_5_0 ps_5_0, D3D11)",
  "llvmpipe (LLVM 15.0.6, 256 bits)",
  "Apple M2 Max",
  "Intel(R) UHD Graphics 620 (KBL GT2)",
  "NVIDIA GeForce RTX 4090",
  "Microsoft Basic Render Driver",
  "Mali-G78 MP24",
  "Adreno (TM) 740",
  "AMD Radeon™ RX 7900 XTX",
  "",
  " ",
  "---",
  "-a-",
  "(((",
  "显卡 集成",
  "英特尔(R) 超核芯显卡 620",
  "🚀🔥 GPU",
  "🚀🔥",
  "Pokémon Ëxtreme Grafik",
  "a".repeat(200),
  "NVIDIA ".repeat(30),
  "x-".repeat(100),
  "ab-".repeat(70),
  `${"w".repeat(47)}-${"y".repeat(60)}`,
  `${"q".repeat(46)}--z`,
  "\u0000\u001f\n\t",
];

function fields(description: string, backend = "deno"): FingerprintFields {
  return {
    backend,
    runtime: "deno-2.9.6",
    adapter: {
      vendor: "",
      architecture: "",
      device: "",
      description,
      driver: "",
      isFallbackAdapter: false,
    },
    features: [],
    limits: {},
  };
}

const WORDS = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$/;

Deno.test("computeFingerprint() gives a slug the cache accepts, for real adapter descriptions", async () => {
  for (const description of DESCRIPTIONS) {
    const fingerprint = await computeFingerprint(fields(description));
    assert.doesNotThrow(
      () => validateFingerprint(fingerprint, "fingerprint", "argument"),
      `slug ${fingerprint.slug} of ${JSON.stringify(description)}`,
    );
    const name = cacheFilePath("/cache", fingerprint).slice("/cache/".length);
    assert.deepEqual(parseCacheFileName(name), { slug: fingerprint.slug, hash: fingerprint.hash });
    assert.ok(fingerprint.slug.length <= 5 + 48 + 1 + 16 + 1, fingerprint.slug);
  }
});

Deno.test("computeFingerprint() keeps the readable part of the name, when it is plain ASCII", async () => {
  const radv = await computeFingerprint(
    fields("AMD Radeon Graphics (RADV GFX1103_R1) Mesa 24.2.8 (LLVM 17.0.6)"),
  );
  assert.match(
    radv.slug,
    /^deno-amd-radeon-graphics-radv-gfx1103-r1-mesa-[0-9a-f]{6}-[0-9a-f]{16}$/,
  );
  const lvp = await computeFingerprint(fields("llvmpipe (LLVM 15.0.6, 256 bits)"));
  assert.equal(lvp.slug, `deno-llvmpipe-llvm-15-0-6-256-bits-${lvp.hash}`);
  const chinese = await computeFingerprint(fields("显卡"));
  assert.equal(chinese.slug, `deno-${chinese.hash}`);
});

Deno.test("computeFingerprint() gives an accepted slug, for any backend and description", async () => {
  // Property check over random strings of ASCII punctuation, letters, digits and non-ASCII.
  const alphabet = "aZ09 -_.,()[]/\\:;'\"!?@#%&*+=~`|<>{}\u00e9\u00df\u4e2d\u{1F680}\t\n\u0000";
  const chars = [...alphabet];
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const randomText = () => {
    const length = Math.floor(next() * 120);
    let text = "";
    for (let i = 0; i < length; i++) text += chars[Math.floor(next() * chars.length)];
    return text;
  };
  for (let i = 0; i < 300; i++) {
    const fingerprint = await computeFingerprint(fields(randomText(), randomText()));
    validateFingerprint(fingerprint, "fingerprint", "argument");
  }
});

Deno.test("slugify() returns dash-joined words of at most max characters, for any text", () => {
  for (const text of DESCRIPTIONS) {
    for (const max of [8, 16, 48, 64]) {
      const slug = slugify(text, max);
      assert.match(slug, WORDS, `${JSON.stringify(text)} at ${max}`);
      assert.ok(slug.length <= max, `${slug} longer than ${max}`);
    }
  }
  assert.throws(() => slugify("x", 3), RangeError);
});

Deno.test("slugify() keeps long names apart, when they share the first 48 characters", () => {
  const base = "ANGLE (NVIDIA, NVIDIA GeForce GTX 1650 Direct3D11 vs_5_0 ps_5_0, D3D11)";
  const variants = [base, `${base} #2`, base.replace("1650", "1660"), `${base}, driver 31.0`];
  const slugs = new Set(variants.map((text) => slugify(text)));
  assert.equal(slugs.size, variants.length);
  // Distinct long inputs rarely collide.
  const many = new Set<string>();
  for (let i = 0; i < 2000; i++) many.add(slugify(`${"Vendor GPU model ".repeat(4)}${i}`));
  assert.ok(many.size >= 1995, `${many.size} distinct slugs of 2000`);
  // Short names are not hashed.
  assert.equal(slugify("NVIDIA GeForce RTX 4090"), "nvidia-geforce-rtx-4090");
});
