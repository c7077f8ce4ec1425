// White label: a second server, started here with the example brand (docs/brand.example.toml),
// shows the firm's name, logo and colour on every page an owner sees and never servicefit's
// name; axe-core (light and dark) and the Nu HTML Checker find nothing on those pages.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { assertAccessible, assertNoProblems, launch, OWNER_JSON, scrollsSideways } from "./lib/harness.js";
import { htmlErrors } from "./lib/vnu.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "debug", "servicefit");
const NAME = "Harbour IT Partners";
const ACCENT = "#0b5cad";
const NARROW = { width: 320, height: 640 };

let server;
let work;
let base;
let browser;
let context;
let page;
let id;
const problems = [];
const served = [];

/** Starts the binary run.sh built, with the example brand, and resolves to its address. */
function startBranded() {
  work = mkdtempSync(join(tmpdir(), "servicefit-brand-"));
  server = spawn(BIN, ["serve", "--bind", "127.0.0.1:0", "--submit-rate-limit", "0", "--brand", join(ROOT, "docs", "brand.example.toml")], {
    env: { ...process.env, DATABASE_URL: `sqlite://${join(work, "brand.db")}`, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`the branded server exited with ${code}`)));
    createInterface({ input: server.stdout }).on("line", (line) => {
      const found = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) resolve(found[1]);
    });
  });
}

before(async () => {
  base = await startBranded();
  const res = await fetch(`${base}/api/v1/assessments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(OWNER_JSON),
  });
  assert.equal(res.status, 201);
  id = (await res.json()).id;
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Nothing leaves the branded server: the logo and the colour are its own files.
  const origin = new URL(base).origin;
  await context.route(
    (url) => url.origin !== origin && (url.protocol === "http:" || url.protocol === "https:"),
    (route) => {
      problems.push(`request to another host: ${route.request().url()}`);
      return route.abort("blockedbyclient");
    },
  );
  page = await context.newPage();
  page.on("console", (msg) => {
    const own = msg.location().url === page.url() && /status of 404/.test(msg.text());
    if (msg.type() === "error" && !own) problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception on ${page.url()}: ${err.message}`));
});

after(async () => {
  await browser?.close();
  server?.removeAllListeners("exit");
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What a reader sees on the page, the embed snippet's code in its textarea included. */
async function visibleText() {
  return page.evaluate(() => {
    const fields = [...document.querySelectorAll("textarea, input")].map((f) => f.value);
    return [document.title, document.body.innerText, ...fields].join("\n");
  });
}

async function accent() {
  return page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim());
}

async function checkBranded(name, path, { status = 200 } = {}) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "light" });
  const res = await page.goto(`${base}${path}`);
  assert.equal(res.status(), status, `${name}: status`);
  assert.match(await page.title(), new RegExp(NAME), `${name}: title`);
  const text = await visibleText();
  assert.ok(text.includes(NAME), `${name}: the firm's name`);
  assert.doesNotMatch(text, /servicefit(?!\.test)/i, `${name} names servicefit`);
  const logos = await page.locator("img.brand-logo").evaluateAll((imgs) =>
    imgs.filter((i) => i.checkVisibility()).map((i) => ({ loaded: i.complete && i.naturalWidth > 0, height: i.getBoundingClientRect().height })),
  );
  assert.ok(logos.length >= 1, `${name}: a visible logo`);
  for (const logo of logos) {
    assert.ok(logo.loaded, `${name}: the logo loads`);
    assert.ok(logo.height >= 20 && logo.height <= 40, `${name}: logo height ${logo.height}`);
  }
  if (!path.includes("theme=dark")) {
    assert.equal(await accent(), ACCENT, `${name}: the firm's colour`);
  }
  await page.emulateMedia({ colorScheme: "dark" });
  if (!path.includes("theme=light") && !path.includes("/embed")) {
    const dark = await accent();
    assert.notEqual(dark, ACCENT, `${name}: a lighter shade in the dark`);
  }
  await assertAccessible(page, `${name} (branded)`);
  await page.setViewportSize(NARROW);
  assert.equal(await scrollsSideways(page), false, `${name} scrolls sideways at 320 px`);
  const raw = await context.request.get(`${base}${path}`, { maxRedirects: 0 });
  served.push({ name, html: await raw.text() });
  assertNoProblems(problems);
}

describe("branded pages", () => {
  test("home", () => checkBranded("home", "/"));
  test("questionnaire", () => checkBranded("questionnaire", "/assess"));
  test("results", () => checkBranded("results", `/assessments/${id}`));
  test("embedded result", () => checkBranded("embedded result", `/assessments/${id}/embed`));
  test("embedded result, dark", () => checkBranded("embedded result (dark)", `/assessments/${id}/embed?theme=dark`));
  test("embedded questionnaire", () => checkBranded("embedded questionnaire", "/assess/embed"));
  test("not found", () => checkBranded("not found", "/no-such-page", { status: 404 }));
});

test("the printed result is headed by the firm's logo and name", async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}/assessments/${id}`);
  await page.emulateMedia({ media: "print", colorScheme: "light" });
  const head = page.locator(".print-head");
  assert.equal(await head.isVisible(), true);
  assert.match(await head.innerText(), new RegExp(`${NAME} · http`));
  assert.equal(await head.locator("img.brand-logo").evaluate((i) => i.complete && i.naturalWidth > 0), true);
  await page.emulateMedia({ media: "screen" });
  assertNoProblems(problems);
});

test("the Nu HTML Checker finds no errors on the branded pages", async () => {
  assert.ok(served.length >= 7, `only ${served.length} pages collected`);
  assert.deepEqual(await htmlErrors(served), []);
});
