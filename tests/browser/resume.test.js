// Answers are saved on the owner's device: a reload resumes at the same step with the same
// answers, and "Start over" forgets them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, answerStep, assertNoProblems, launch, watchedContext } from "./lib/harness.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a reload resumes where the owner left off, and start over clears everything", async () => {
  const { context, problems } = await watchedContext(browser, { viewport: PHONE });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/assess`);
    await answerStep(page, 0);
    await page.getByRole("button", { name: "Next" }).click();
    await answerStep(page, 1);
    await page.getByRole("button", { name: "Next" }).click();
    assert.match(await page.locator(".step-status").innerText(), /^Step 3 of 5/);

    await page.reload();
    assert.match(await page.locator(".step-status").innerText(), /^Step 3 of 5/, "resumed at the same step");
    assert.match(await page.getByRole("status").first().innerText(), /earlier answers are filled in/);
    await page.getByRole("button", { name: "Back" }).click();
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByLabel("Business name").inputValue(), "Harbour Dental");
    assert.equal(await page.getByLabel("How many people use a computer, tablet or phone for work?").inputValue(), "20");
    assert.ok(await page.getByRole("group", { name: "How will your team change over the next year?" }).getByLabel("Growing steadily").isChecked());
    // The spam check's fields are this page view's own, never restored from a draft.
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("servicefit:questionnaire:v1")));
    assert.equal(saved.values.form_started, undefined);
    assert.equal(saved.values.website, undefined);

    // A later visit, in a new tab of the same browser.
    const later = await context.newPage();
    await later.goto(`${BASE}/assess`);
    assert.equal(await later.getByLabel("Business name").inputValue(), "Harbour Dental");
    await later.close();

    const startOver = page.getByRole("button", { name: "Start over" });
    assert.ok(await startOver.isVisible(), "start over is visible");
    await startOver.click();
    assert.match(await page.locator(".step-status").innerText(), /^Step 1 of 5/);
    assert.equal(await page.getByLabel("Business name").inputValue(), "");
    assert.equal(await page.getByLabel("How many people use a computer, tablet or phone for work?").inputValue(), "");
    await page.reload();
    assert.equal(await page.getByLabel("Business name").inputValue(), "");
    assert.equal(await page.getByRole("group", { name: "How will your team change over the next year?" }).locator("input:checked").count(), 0);
    assert.equal(await page.locator(".resume-note").innerText(), "");
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
