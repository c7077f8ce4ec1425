// The invalid-input journey: the error summary appears and takes focus, every message is tied
// to its field, values are kept; and the in-browser checks say exactly what the server says.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, answerStep, assertNoProblems, launch, watchedContext } from "./lib/harness.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function withPage(options, body) {
  const { context, problems } = await watchedContext(browser, { viewport: PHONE, ...options });
  try {
    await body(await context.newPage());
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
}

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

/** The message tied to `input` through aria-describedby, as text. */
async function describedError(page, selector) {
  return page.locator(selector).evaluate((el) => {
    const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/);
    const error = ids.map((id) => document.getElementById(id)).find((e) => e && e.classList.contains("error"));
    return error ? error.textContent.replace(/^\s*Error:\s*/, "").trim() : null;
  });
}

describe("without JavaScript", () => {
  test("the server's summary takes focus, links to the fields, and every value stays", () =>
    withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${BASE}/assess`);
      await page.getByLabel("Business name").fill("Harbour Dental");
      await page.getByLabel("How many people use a computer, tablet or phone for work?").fill("2.5");
      await page.getByRole("group", { name: "Who looks after IT today?" }).getByLabel("Nobody").check();
      const [res] = await Promise.all([
        page.waitForResponse(`${BASE}/assessments`),
        page.getByRole("button", { name: "See my recommendation" }).click(),
      ]);
      assert.equal(res.status(), 422);
      await page.waitForLoadState();
      const summary = page.locator("#error-summary");
      assert.ok(await summary.isVisible());
      assert.equal(await focusedId(page), "error-summary", "focus on the summary");
      assert.match(await summary.innerText(), /answers need attention/);
      assert.ok(await summary.getByRole("link", { name: /whole number of people/ }).isVisible());
      assert.equal(await describedError(page, "#field-employees"), "Enter a whole number of people, for example 12.");
      assert.equal(await describedError(page, "#field-growth"), "Choose one of the options.");
      assert.equal(await page.getByLabel("How many people use a computer, tablet or phone for work?").inputValue(), "2.5");
      assert.equal(await page.getByLabel("Business name").inputValue(), "Harbour Dental");
      assert.ok(await page.getByRole("group", { name: "Who looks after IT today?" }).getByLabel("Nobody").isChecked());
    }));
});

describe("with JavaScript", () => {
  test("a step with problems shows a focused summary and keeps what was typed", () =>
    withPage({}, async (page) => {
      await page.goto(`${BASE}/assess`);
      const people = page.getByLabel("How many people use a computer, tablet or phone for work?");
      await people.fill("2.5");
      await page.getByRole("button", { name: "Next" }).click();
      const summary = page.locator("#step-errors");
      assert.ok(await summary.isVisible());
      assert.equal(await focusedId(page), "step-errors", "focus on the summary");
      assert.equal(await summary.getByRole("heading").innerText(), "2 answers need attention");
      assert.match(await page.locator(".step-status").innerText(), /^Step 1 of 5/, "still on step 1");
      assert.equal(await people.inputValue(), "2.5");
      assert.equal(await people.getAttribute("aria-invalid"), "true");
      assert.equal(await describedError(page, "#field-employees"), "Enter a whole number of people, for example 12.");

      await summary.getByRole("link", { name: /whole number of people/ }).click();
      assert.equal(await focusedId(page), "field-employees", "the summary link focuses the field");
      await people.fill("12");
      await answerStep(page, 0);
      await page.getByRole("button", { name: "Next" }).click();
      assert.match(await page.locator(".step-status").innerText(), /^Step 2 of 5/);
      assert.equal(await summary.isVisible(), false, "the summary goes once the step is right");
    }));

  test("a form the server sent back opens at the first problem with its summary focused", () =>
    withPage({}, async (page) => {
      const body = "company=Harbour+Dental&employees=20&growth=growing&it_reliance=high&complexity=moderate&incidents_per_month=lots";
      await page.route(`${BASE}/assessments`, (route) =>
        route.continue({ method: "POST", postData: body, headers: { ...route.request().headers(), "content-type": "application/x-www-form-urlencoded" } }),
      );
      const res = await page.goto(`${BASE}/assessments`);
      assert.equal(res.status(), 422);
      assert.match(await page.locator(".step-status").innerText(), /^Step 2 of 5/);
      assert.equal(await focusedId(page), "error-summary");
      assert.equal(await page.getByLabel("About how many IT problems a month need someone to fix them?").inputValue(), "lots");
      assert.ok(await page.getByRole("group", { name: "What does your IT look like?" }).getByLabel("In between").isChecked());
      // The draft is the server's copy, not an older one from this device.
      await page.reload({ waitUntil: "load" });
      assert.ok(await page.getByRole("group", { name: "What does your IT look like?" }).getByLabel("In between").isChecked());
    }));
});

// Each case: the step the field is on, the field's label, what is typed (null: leave a choice
// unanswered), and the key the server reports it under. (A business name over 120 characters
// cannot be typed: the field's maxlength stops it.)
const CASES = [
  [0, "How many people use a computer, tablet or phone for work?", "", "employees"],
  [0, "How many people use a computer, tablet or phone for work?", "2.5", "employees"],
  [0, "How many people use a computer, tablet or phone for work?", "0", "employees"],
  [0, "How many people use a computer, tablet or phone for work?", "twelve", "employees"],
  [0, "How many people use a computer, tablet or phone for work?", "10,001", "employees"],
  [0, "How many people use a computer, tablet or phone for work?", "1,5", "employees"],
  [0, "How many of them only use a shared device or a phone now and then?", "2.5", "light_users"],
  [0, "How many of them only use a shared device or a phone now and then?", "-1", "light_users"],
  [0, "How many of them only use a shared device or a phone now and then?", "many", "light_users"],
  [0, "How will your team change over the next year?", null, "growth"],
  [1, "About how many IT problems a month need someone to fix them?", "", "incidents_per_month"],
  [1, "About how many IT problems a month need someone to fix them?", "lots", "incidents_per_month"],
  [1, "About how many IT problems a month need someone to fix them?", "600", "incidents_per_month"],
  [4, "What does an IT technician charge per hour, in US dollars?", "$0", "hourly_rate"],
  [4, "What does one hour with nobody able to work cost you, in US dollars?", "1e9", "downtime_cost_per_hour"],
];

/** What the server says about `value` for `key`, read from its 422 page. */
async function serverMessage(key, value) {
  const form = new URLSearchParams({ [key]: value ?? "" });
  const res = await fetch(`${BASE}/assessments`, { method: "POST", body: form });
  assert.equal(res.status, 422);
  const html = await res.text();
  const m = html.match(new RegExp(`id="error-${key}"><span class="visually-hidden">Error:</span> ([^<]*)</p>`));
  assert.ok(m, `no message for ${key}`);
  return m[1].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, "&");
}

test("the in-browser checks give exactly the server's messages", () =>
  withPage({}, async (page) => {
    for (const [step, label, value, key] of CASES) {
      await page.goto(`${BASE}/assess`);
      await page.getByRole("button", { name: "Start over" }).click();
      for (let i = 0; i < step; i++) {
        await answerStep(page, i);
        await page.getByRole("button", { name: "Next" }).click();
      }
      await answerStep(page, step);
      if (value === null) {
        await page.getByRole("group", { name: label }).locator("input:checked").evaluate((el) => {
          el.checked = false;
        });
      } else {
        await page.getByLabel(label).fill(value);
      }
      const button = step === 4 ? "See my recommendation" : "Next";
      await page.getByRole("button", { name: button }).click();
      const shown = await page.locator(`#error-${key}`).innerText();
      assert.equal(shown.replace(/^\s*Error:\s*/, ""), await serverMessage(key, value), `${key} = ${JSON.stringify(value)}`);
      assert.equal(await page.locator("#step-errors li").count(), 1, `only ${key} is wrong`);
    }
    await page.getByRole("button", { name: "Start over" }).click();
  }));
