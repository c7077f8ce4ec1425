// Every page, public and consultant: axe-core finds no violations (light and dark), the
// console stays clean, nothing is fetched from another host, nothing scrolls sideways at
// 320 px, and the Nu HTML Checker finds no errors in the HTML as served.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE,
  assertAccessible,
  assertNoProblems,
  createAssessment,
  launch,
  scrollsSideways,
  STEPS,
  answerStep,
  signIn,
  watchedContext,
  OWNER_JSON,
} from "./lib/harness.js";
import { htmlErrors } from "./lib/vnu.js";

const NARROW = { width: 320, height: 640 };

let browser;
let context;
let problems;
let page;
let first;
let second;
/** Part-time IT and more problems than people: costed three ways, with answers to check. */
let third;
/** The HTML of every page as served, for the Nu checker at the end. */
const served = [];

before(async () => {
  first = await createAssessment();
  second = await createAssessment({ ...OWNER_JSON, company: "Two Pines Studio", employees: 3, it_reliance: "low", complexity: "simple", in_house_it: "informal", budget: "tight", cost_preference: "pay_per_use", control: "hands_on", incidents_per_month: 0.2, security: "basic", growth: "stable" });
  third = await createAssessment({ ...OWNER_JSON, company: "Corner Bakery & Café", employees: 6, in_house_it: "part_time", incidents_per_month: 20 });
  browser = await launch();
  ({ context, problems } = await watchedContext(browser));
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

/** Opens `path`, checks everything a page must pass, and keeps its HTML for the checker. */
async function checkPage(name, path, { status = 200 } = {}) {
  await page.setViewportSize({ width: 1280, height: 800 });
  const res = await page.goto(`${BASE}${path}`);
  assert.equal(res.status(), status, `${name}: status`);
  await assertAccessible(page, name);
  await page.setViewportSize(NARROW);
  assert.equal(await scrollsSideways(page), false, `${name} scrolls sideways at 320 px`);
  const raw = await context.request.get(`${BASE}${path}`, { maxRedirects: 0 });
  served.push({ name, html: await raw.text() });
  assertNoProblems(problems);
}

describe("public pages", () => {
  test("home", () => checkPage("home", "/"));
  test("questionnaire", () => checkPage("questionnaire", "/assess"));
  test("results", () => checkPage("results", `/assessments/${first}`));
  test("embedded result", () => checkPage("embedded result", `/assessments/${first}/embed`));
  test("results, part-time IT", () => checkPage("results (part-time IT)", `/assessments/${third}`));
  test("embedded result, part-time IT", () => checkPage("embedded result (part-time IT)", `/assessments/${third}/embed`));
  test("embedded questionnaire", () => checkPage("embedded questionnaire", "/assess/embed"));
  test("not found", () => checkPage("not found", "/no-such-page", { status: 404 }));
  test("unknown assessment", () => checkPage("unknown assessment", "/assessments/nope", { status: 404 }));
});

describe("questionnaire error state", () => {
  for (const [name, path] of [
    ["questionnaire errors", "/assessments"],
    ["embedded questionnaire errors", "/assess/embed"],
  ]) {
    test(name, async () => {
      const body = "company=&employees=0&incidents_per_month=lots&hourly_rate=0";
      // A POST navigation, as the browser makes it when the form is sent.
      await page.route(`${BASE}${path}`, (route) =>
        route.continue({ method: "POST", postData: body, headers: { ...route.request().headers(), "content-type": "application/x-www-form-urlencoded" } }),
      );
      try {
        await page.setViewportSize({ width: 1280, height: 800 });
        const res = await page.goto(`${BASE}${path}`);
        assert.equal(res.status(), 422);
        await assertAccessible(page, name);
        await page.setViewportSize(NARROW);
        assert.equal(await scrollsSideways(page), false, `${name} scrolls sideways at 320 px`);
      } finally {
        await page.unroute(`${BASE}${path}`);
      }
      const raw = await context.request.post(`${BASE}${path}`, {
        headers: { "content-type": "application/x-www-form-urlencoded" },
        data: body,
        maxRedirects: 0,
      });
      assert.equal(raw.status(), 422);
      served.push({ name, html: await raw.text() });
      assertNoProblems(problems);
    });
  }
});

describe("questionnaire, step by step", () => {
  test("every step, and a step with problems", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${BASE}/assess`);
    await page.getByRole("button", { name: "Start over" }).click();
    for (let i = 0; i < STEPS.length; i++) {
      const name = `questionnaire step ${i + 1}`;
      if (i === 0) {
        await page.getByRole("button", { name: "Next" }).click();
        await assertAccessible(page, "questionnaire step 1 with problems");
      }
      await assertAccessible(page, name);
      await page.setViewportSize(NARROW);
      assert.equal(await scrollsSideways(page), false, `${name} scrolls sideways at 320 px`);
      await page.setViewportSize({ width: 1280, height: 800 });
      await answerStep(page, i);
      if (i < STEPS.length - 1) {
        await page.getByRole("button", { name: "Next" }).click();
      }
    }
    await page.getByRole("button", { name: "Start over" }).click();
    assertNoProblems(problems);
  });

  test("without the step-by-step script: the one-page form and its error state", async () => {
    // axe-core needs JavaScript in the page, so the script is withheld instead of disabling
    // JavaScript: the page is then what a browser without JavaScript shows.
    const plain = await watchedContext(browser);
    try {
      const p = await plain.context.newPage();
      await p.route(/\/static\/questionnaire\.[0-9a-f]+\.js$/, (route) =>
        route.fulfill({ status: 200, contentType: "text/javascript", body: "" }),
      );
      await p.goto(`${BASE}/assess`);
      await assertAccessible(p, "one-page questionnaire");
      await p.getByRole("button", { name: "See my recommendation" }).click();
      await p.waitForLoadState();
      assert.equal(await p.locator("#error-summary").isVisible(), true);
      await assertAccessible(p, "one-page questionnaire with problems");
      await p.setViewportSize(NARROW);
      assert.equal(await scrollsSideways(p), false, "error state scrolls sideways at 320 px");
      assertNoProblems(plain.problems);
    } finally {
      await plain.context.close();
    }
  });
});

describe("consultant pages", () => {
  test("sign-in", () => checkPage("consultant sign-in", "/consultant/login"));
  test("signed in", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await signIn(page);
  });
  test("review list", () => checkPage("review list", "/consultant"));
  test("assessment detail", () => checkPage("assessment detail", `/consultant/assessments/${first}`));
  test("assessment detail, part-time IT", () => checkPage("assessment detail (part-time IT)", `/consultant/assessments/${third}`));
  test("re-score", () => checkPage("re-score", `/consultant/assessments/${first}/rescore`));
  test("trends", () => checkPage("trends", "/consultant/trends"));
  test("compare, empty", () => checkPage("compare (empty)", "/consultant/compare"));
  test("compare two", () => checkPage("compare", `/consultant/compare?a=${first}&b=${second}`));
  test("compare with part-time IT", () => checkPage("compare (part-time IT)", `/consultant/compare?a=${third}&b=${second}`));
  test("webhooks", () => checkPage("webhooks", "/consultant/webhooks"));
  test("email deliveries", () => checkPage("email deliveries", "/consultant/emails"));
});

test("the Nu HTML Checker finds no errors on any page", async () => {
  assert.ok(served.length >= 15, `only ${served.length} pages collected`);
  assert.deepEqual(await htmlErrors(served), []);
});
