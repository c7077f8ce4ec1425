// The whole journey an owner makes, on a phone and on a desktop, with JavaScript on and off:
// land, answer every question through its label, submit, read the verdict, open the embed
// page, and print the results.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE,
  DESKTOP,
  PHONE,
  STEPS,
  answerStep,
  assertNoProblems,
  launch,
  scrollsSideways,
  watchedContext,
} from "./lib/harness.js";

// The server flags forms sent sooner than this after they were shown; people take longer.
const MIN_FILL_MS = 3200;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]]) {
  for (const javaScriptEnabled of [true, false]) {
    describe(`${device}, JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
      test("an owner answers every question and gets a verdict, an embed and a printable page", async () => {
        const { context, problems } = await watchedContext(browser, { viewport, javaScriptEnabled, isMobile: device === "phone", hasTouch: device === "phone" });
        try {
          const page = await context.newPage();
          await page.goto(`${BASE}/`);
          await page.getByRole("link", { name: "Start the questionnaire" }).click();
          await page.waitForURL(`${BASE}/assess`);
          const shown = Date.now();
          assert.equal(await scrollsSideways(page), false, "questionnaire scrolls sideways");

          for (let i = 0; i < STEPS.length; i++) {
            if (javaScriptEnabled) {
              await assertStep(page, i);
            }
            if (javaScriptEnabled && i === 1) {
              // The problem count is offered from the headcount: 20 people × 0.6 a month.
              const count = page.getByLabel("About how many IT problems a month need someone to fix them?");
              assert.equal(await count.inputValue(), "12");
              assert.match(await page.locator(".prefilled").innerText(), /Filled in from your headcount/);
            }
            await answerStep(page, i);
            if (javaScriptEnabled && i < STEPS.length - 1) {
              await page.getByRole("button", { name: "Next" }).click();
            }
          }
          const wait = MIN_FILL_MS - (Date.now() - shown);
          if (wait > 0) {
            await page.waitForTimeout(wait);
          }
          await Promise.all([
            page.waitForURL(/\/assessments\/[A-Za-z0-9_-]+$/),
            page.getByRole("button", { name: "See my recommendation" }).click(),
          ]);
          const id = new URL(page.url()).pathname.split("/").pop();

          const verdict = page.locator(".verdict h1");
          await assert.doesNotReject(verdict.waitFor());
          assert.match(await verdict.innerText(), /Managed IT services/);
          assert.match(await page.locator(".eyebrow").innerText(), /Harbour Dental/);
          assert.equal(await scrollsSideways(page), false, "results scroll sideways");
          const api = await (await fetch(`${BASE}/api/v1/assessments/${id}`)).json();
          assert.equal(api.answers.hourly_rate, 95, "the typed price reached the server");

          await assertPrintable(page);

          await page.goto(`${BASE}/assessments/${id}/embed`);
          assert.match(await page.locator(".verdict h1").innerText(), /Managed IT services/);
          assert.equal(await scrollsSideways(page), false, "embed scrolls sideways");

          if (javaScriptEnabled) {
            // A sent questionnaire leaves no draft behind: the next visit starts afresh.
            await page.goto(`${BASE}/assess`);
            assert.equal(await page.getByLabel("Business name").inputValue(), "");
            assert.match(await page.locator(".step-status").innerText(), /Step 1 of 5/);
          }
          assertNoProblems(problems);
        } finally {
          await context.close();
        }
      });
    });
  }
}

/** With JavaScript, only step `i` is shown, with its number and the progress bar. */
async function assertStep(page, i) {
  const status = page.locator(".step-status");
  assert.match(await status.innerText(), new RegExp(`^Step ${i + 1} of ${STEPS.length}: `));
  const progress = page.getByRole("progressbar");
  assert.equal(await progress.getAttribute("value"), String(i + 1));
  assert.equal(await page.locator(".q-section:not([hidden])").count(), 1, "one section at a time");
  const [firstQuestion] = STEPS[i][0];
  assert.ok(await page.getByText(firstQuestion, { exact: false }).first().isVisible(), `step ${i + 1} shows its questions`);
  if (i > 0) {
    assert.ok(await page.locator(".q-section:not([hidden]) h2").evaluate((h) => h === document.activeElement), "focus on the step's heading");
  }
}

/** Print media: no site navigation, charts in black and white, no forced page breaks, four pages at most. */
async function assertPrintable(page) {
  await page.emulateMedia({ media: "print" });
  try {
    assert.equal(await page.locator("header.site").isVisible(), false, "site header printed");
    assert.equal(await page.locator("nav.toc").isVisible(), false, "page navigation printed");
    assert.equal(await page.locator("footer.site").isVisible(), false, "site footer printed");
    const fills = await page.evaluate(() =>
      [...document.querySelectorAll(".chart rect, .chart polygon")].map((el) => getComputedStyle(el).fill),
    );
    assert.ok(fills.length > 0, "charts present");
    for (const fill of fills) {
      const [r, g, b] = fill.match(/\d+/g).map(Number);
      assert.ok(r === g && g === b, `chart colour ${fill} is not grey`);
    }
    // No forced page break: the appendix follows on, so the whole result fits four pages.
    const breaks = await page.evaluate(() =>
      [...document.querySelectorAll(".report-section, details")].map((s) => `${s.className}:${getComputedStyle(s).breakBefore}`),
    );
    assert.deepEqual(breaks.filter((b) => b.endsWith(":page")), [], `page breaks: ${breaks}`);
    const pdf = await page.pdf({ format: "A4" });
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || [];
    assert.ok(pages.length >= 2 && pages.length <= 4, `printed on ${pages.length} pages`);
  } finally {
    await page.emulateMedia({ media: "screen" });
  }
}
