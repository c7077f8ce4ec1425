// "Email me this report" in a real browser against a server of this file's own that sends
// through an SMTP sink (lib/smtp.js): the form on the result at 390 and 1280 px in light and
// dark (labels, a 24 px consent box whose words tick it, axe-core, the Nu checker); an empty
// or wrong submission with JavaScript on and off (422, the page opens at the error summary
// with the focus on it, its links focus their fields, what was typed is kept); a good one (the
// confirmation, one email to the address with the verdict in its subject); 320 px and print;
// then the consultant's side (the lead with its consent on the detail page, the has-a-lead
// filter, the email log); and with the example brand, the brand's consent words and its name
// in the subject.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OWNER_JSON, assertAccessible, assertNoProblems, createAssessment, launch, scrollsSideways, signIn, watchedContext } from "./lib/harness.js";
import { htmlErrors } from "./lib/vnu.js";
import { ROOT, startServicefit } from "./lib/servicefit.js";
import { header, startSmtpSink } from "./lib/smtp.js";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 320, height: 640 };
const FIELDS = ["report-name", "report-email", "report-consent"];
const OWNER = { name: "Ada Lovelace", email: "ada@osprey-dental.test" };
const BRAND_FILE = join(ROOT, "docs", "brand.example.toml");

let sink;
let server;
let browser;
let id;
let otherId;
let verdict;
let consentShown;
const served = [];

before(async () => {
  sink = await startSmtpSink();
  server = await startServicefit(["--submit-rate-limit", "0", "--smtp-url", sink.url, "--mail-from", "Reports <reports@servicefit.test>"], { withConsultant: true });
  id = await createAssessment({ ...OWNER_JSON, company: "Osprey Dental" }, server.base);
  // No one asks for this one's report: the has-a-lead filter leaves it out.
  otherId = await createAssessment({ ...OWNER_JSON, company: "Osprey Bakery", employees: 6 }, server.base);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
  await sink?.close();
});

/** A watched page on this file's server, JavaScript on or off. */
async function newPage(base, javaScriptEnabled = true) {
  const { context, problems } = await watchedContext(browser, { javaScriptEnabled }, new URL(base).origin);
  return { context, problems, page: await context.newPage() };
}

async function open(page, url, size, status = 200) {
  await page.setViewportSize(size);
  await page.emulateMedia({ media: "screen", colorScheme: "light" });
  const res = await page.goto(url);
  assert.equal(res.status(), status, url);
}

/** Clicks the form's button; resolves to the POST's status once the next page has loaded. */
async function submit(page) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.endsWith("/report")),
    page.getByRole("button", { name: "Email me the report" }).click(),
  ]);
  await page.waitForURL(/\/report(\/sent)?(#[\w-]+)?$/);
  return res.status();
}

/** True when the element `selector` has the keyboard focus. */
function focused(page, selector) {
  return page.locator(selector).evaluate((el) => el === document.activeElement);
}

/** The 422 page: the summary lists `fields`' problems in order, each link focuses its field. */
async function assertErrors(page, fields, what) {
  const summary = page.locator("#email-report-errors");
  assert.equal(await summary.getAttribute("role"), "alert", what);
  const links = await summary.locator("li a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.textContent.trim()]));
  assert.deepEqual(links.map(([href]) => href), fields.map((f) => `#${f}`), `${what}: the summary's links`);
  for (const [i, field] of fields.entries()) {
    const inline = (await page.locator(`#${field}-error`).textContent()).trim();
    assert.equal(links[i][1], inline, `${what}: the summary says what the field says`);
    assert.equal(await page.locator(`#${field}`).getAttribute("aria-invalid"), "true");
    assert.equal(await page.locator(`#${field}`).getAttribute("aria-describedby"), `${field}-error`);
  }
  for (const field of FIELDS.filter((f) => !fields.includes(f))) {
    assert.equal(await page.locator(`#${field}-error`).count(), 0, `${what}: no error on ${field}`);
  }
  for (const field of fields) {
    await summary.locator(`a[href="#${field}"]`).click();
    assert.equal(await focused(page, `#${field}`), true, `${what}: the link to ${field} focuses it`);
    assert.equal(await page.locator(`#${field}`).isVisible(), true);
  }
}

async function values(page) {
  return {
    name: await page.getByLabel("Your name").inputValue(),
    email: await page.getByLabel("Your email address").inputValue(),
    consent: await page.locator("#report-consent").isChecked(),
  };
}

describe("the form on the result", () => {
  let page;
  let problems;
  before(async () => ({ page, problems } = await newPage(server.base)));

  for (const size of [PHONE, DESKTOP]) {
    test(`at ${size.width} px, light and dark: labelled fields, a 24 px consent box its words tick, axe`, async () => {
      await open(page, `${server.base}/assessments/${id}`, size);
      const section = page.getByRole("region", { name: "Email me this report" });
      assert.equal(await section.isVisible(), true);
      const name = section.getByLabel("Your name");
      const email = section.getByLabel("Your email address");
      assert.deepEqual(await name.evaluate((i) => [i.type, i.autocomplete, i.required]), ["text", "name", true]);
      assert.deepEqual(await email.evaluate((i) => [i.type, i.autocomplete, i.required]), ["email", "email", true]);
      const label = page.locator("label[for='report-consent']");
      consentShown = (await label.textContent()).trim();
      assert.match(consentShown, /^I agree that servicefit may keep my name and email address/);
      const box = page.getByRole("checkbox", { name: consentShown });
      const rect = await box.boundingBox();
      assert.ok(rect.width >= 24 && rect.height >= 24, `the consent box is ${rect.width}×${rect.height} px`);
      assert.equal(await box.isChecked(), false);
      await label.click();
      assert.equal(await box.isChecked(), true, "a click on the words ticks the box");
      await label.click();
      assert.equal(await box.isChecked(), false, "and a second one clears it");
      const button = await section.getByRole("button", { name: "Email me the report" }).boundingBox();
      assert.ok(button.height >= 44, `the button is ${button.height} px high`);
      assert.equal(await scrollsSideways(page), false);
      await assertAccessible(page, `the result with the form at ${size.width} px`);
      assertNoProblems(problems);
    });
  }

  test("nothing sideways at 320 px, and the printed page has no form", async () => {
    await open(page, `${server.base}/assessments/${id}`, NARROW);
    assert.equal(await scrollsSideways(page), false);
    const form = await page.locator("#email-report").boundingBox();
    assert.ok(form.x >= 0 && form.x + form.width <= NARROW.width, "the form fits");
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("#email-report").isVisible(), false, "the form prints");
    assert.equal(await page.locator(".verdict h1").isVisible(), true, "the verdict prints");
    await page.emulateMedia({ media: "screen" });
    const raw = await page.context().request.get(`${server.base}/assessments/${id}`);
    served.push({ name: "result with the form", html: await raw.text() });
    assertNoProblems(problems);
  });
});

for (const js of [true, false]) {
  describe(`an empty or wrong form, JavaScript ${js ? "on" : "off"}`, () => {
    let page;
    let problems;
    before(async () => ({ page, problems } = await newPage(server.base, js)));

    test("empty: 422, three problems in the summary, each link focuses its field", async () => {
      await open(page, `${server.base}/assessments/${id}`, PHONE);
      // The print button is the page's script at work: proof that JavaScript is on or off.
      assert.equal(await page.locator("[data-print]").isVisible(), js, "JavaScript as asked");
      assert.equal(await submit(page), 422);
      assert.equal(await page.getByRole("heading", { name: "Please check these" }).isVisible(), true);
      // The page opens at the summary, focused, so a screen reader starts there.
      assert.equal(await focused(page, "#email-report-errors"), true, "the summary has the focus");
      const top = (await page.locator("#email-report-errors").boundingBox()).y;
      assert.ok(top >= 0 && top < PHONE.height / 2, `the summary starts ${top} px down the screen`);
      await assertErrors(page, FIELDS, "empty");
      assert.deepEqual(await values(page), { name: "", email: "", consent: false });
      assert.equal(await scrollsSideways(page), false);
      if (js) {
        await assertAccessible(page, "the result with three errors");
        await page.setViewportSize(DESKTOP);
        await assertAccessible(page, "the result with three errors at 1280 px");
      }
      assertNoProblems(problems);
    });

    test("a name, a wrong address, the box ticked: one problem, everything typed kept", async () => {
      await open(page, `${server.base}/assessments/${id}`, PHONE);
      await page.getByLabel("Your name").fill(OWNER.name);
      await page.getByLabel("Your email address").fill("ada-at-osprey");
      await page.locator("label[for='report-consent']").click();
      assert.equal(await submit(page), 422);
      assert.equal(await focused(page, "#email-report-errors"), true, "the summary has the focus");
      await assertErrors(page, ["report-email"], "wrong address");
      assert.match(await page.locator("#report-email-error").textContent(), /like name@example\.com/);
      assert.deepEqual(await values(page), { name: OWNER.name, email: "ada-at-osprey", consent: true });
      await page.setViewportSize(NARROW);
      assert.equal(await scrollsSideways(page), false);
      assertNoProblems(problems);
    });

    test("a name and an address, the box not ticked: the consent problem, the rest kept", async () => {
      await open(page, `${server.base}/assessments/${id}`, PHONE);
      await page.getByLabel("Your name").fill(OWNER.name);
      await page.getByLabel("Your email address").fill(OWNER.email);
      assert.equal(await submit(page), 422);
      await assertErrors(page, ["report-consent"], "no consent");
      assert.deepEqual(await values(page), { ...OWNER, consent: false });
      if (js) await assertAccessible(page, "the result with the consent problem");
      assertNoProblems(problems);
    });
  });
}

test("the Nu HTML Checker finds no errors on the result with errors", async () => {
  const res = await fetch(`${server.base}/assessments/${id}/report`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ name: "", email: "ada-at-osprey" }).toString(),
    redirect: "manual",
  });
  assert.equal(res.status, 422);
  served.push({ name: "result with errors", html: await res.text() });
  assert.deepEqual(await htmlErrors(served.splice(0)), []);
});

describe("a good request", () => {
  let page;
  let problems;
  before(async () => ({ page, problems } = await newPage(server.base)));

  test("the confirmation, and one email to the address with the verdict in its subject", async () => {
    assert.equal(sink.messages.length, 0, "nothing sent for the wrong forms");
    await open(page, `${server.base}/assessments/${id}`, PHONE);
    verdict = (await page.title()).split(" recommended")[0];
    assert.ok(verdict.length > 3, `the verdict is "${verdict}"`);
    await page.getByLabel("Your name").fill(OWNER.name);
    await page.getByLabel("Your email address").fill(OWNER.email);
    await page.locator("label[for='report-consent']").click();
    assert.equal(await submit(page), 303);
    assert.equal(new URL(page.url()).pathname, `/assessments/${id}/report/sent`);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Your report is on its way");
    assert.equal(await page.getByRole("link", { name: "Back to your result" }).getAttribute("href"), `/assessments/${id}`);
    assert.doesNotMatch(await page.locator("main").innerText(), /osprey-dental\.test/, "the page names no address");
    await assertAccessible(page, "the confirmation at 390 px");
    await page.setViewportSize(DESKTOP);
    await assertAccessible(page, "the confirmation at 1280 px");
    await page.setViewportSize(NARROW);
    assert.equal(await scrollsSideways(page), false);

    const [mail] = await sink.waitForMessages(1);
    assert.deepEqual(mail.to, [OWNER.email]);
    assert.equal(mail.from, "reports@servicefit.test");
    const subject = header(mail, "Subject");
    assert.ok(subject.includes(verdict), `"${subject}" names the verdict "${verdict}"`);
    assert.match(header(mail, "To"), /ada@osprey-dental\.test/);
    // One request, one email: the worker does not send it twice.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sink.messages.length, 1);

    const raw = await page.context().request.get(`${server.base}/assessments/${id}/report/sent`);
    served.push({ name: "confirmation", html: await raw.text() });
    assertNoProblems(problems);
  });
});

describe("the consultant's side", () => {
  let page;
  let problems;
  before(async () => {
    ({ page, problems } = await newPage(server.base));
    await signIn(page, { base: server.base, as: server.consultant });
  });

  test("the detail page shows the lead with the consent as it was shown", async () => {
    assert.ok(consentShown, "the form's test ran first");
    await open(page, `${server.base}/consultant/assessments/${id}`, DESKTOP);
    const leads = page.getByRole("region", { name: "Leads" });
    assert.equal(await leads.locator(".lead").count(), 1);
    assert.equal(await leads.locator(".lead-name").textContent(), OWNER.name);
    assert.equal(await leads.locator("a.lead-email").getAttribute("href"), `mailto:${OWNER.email}`);
    assert.equal((await leads.locator("blockquote.consent").textContent()).trim(), consentShown);
    assert.match(await leads.locator(".lead-facts").innerText(), /Consent version sha256:[0-9a-f]{16}/);
    // The sink took the email: the state turns to "Sent" once the worker has written it down.
    for (let i = 0; i < 50 && !/^Sent/.test(await leads.locator(".lead-mail").innerText()); i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    assert.match(await leads.locator(".lead-mail").innerText(), /^Sent \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    await assertAccessible(page, "the detail page with a lead at 1280 px");
    await page.setViewportSize(PHONE);
    await assertAccessible(page, "the detail page with a lead at 390 px");
    await page.setViewportSize(NARROW);
    assert.equal(await scrollsSideways(page), false);
    served.push({ name: "detail with a lead", html: await (await page.context().request.get(`${server.base}/consultant/assessments/${id}`)).text() });
    assertNoProblems(problems);
  });

  test("the list with lead=yes shows it and not the one without a lead", async () => {
    const companies = () => page.locator("table.review tbody th.company a").allTextContents();
    await open(page, `${server.base}/consultant`, DESKTOP);
    assert.deepEqual((await companies()).sort(), ["Osprey Bakery", "Osprey Dental"]);
    await open(page, `${server.base}/consultant?lead=yes`, DESKTOP);
    assert.deepEqual(await companies(), ["Osprey Dental"]);
    assert.equal(await page.getByLabel("Report by email").inputValue(), "yes");
    const row = page.locator("table.review tbody tr").first();
    assert.match(await row.locator(".lead-badge").textContent(), /^lead: the owner asked for the report by email$/);
    assert.equal(await row.locator("th.company a").getAttribute("href"), `/consultant/assessments/${id}`);
    assert.notEqual(otherId, id);
    await assertAccessible(page, "the list with lead=yes at 1280 px");
    await page.setViewportSize(PHONE);
    await assertAccessible(page, "the list with lead=yes at 390 px");
    served.push({ name: "list lead=yes", html: await (await page.context().request.get(`${server.base}/consultant?lead=yes`)).text() });
    assertNoProblems(problems);
  });

  test("the email log shows the attempt", async () => {
    await open(page, `${server.base}/consultant/emails`, DESKTOP);
    assert.ok((await page.locator("main").innerText()).includes(new URL(sink.url).host), "names the SMTP server");
    const rows = await page.locator("main table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const [when, assessment, to, attempt] = rows[0];
    assert.match(when, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    assert.equal(assessment, id);
    assert.equal(to, OWNER.email);
    assert.equal(attempt, "1");
    assert.equal(await page.locator("main table tbody tr a").getAttribute("href"), `/consultant/assessments/${id}#leads`);
    await assertAccessible(page, "the email log at 1280 px");
    await page.setViewportSize(PHONE);
    await assertAccessible(page, "the email log at 390 px");
    await page.setViewportSize(NARROW);
    assert.equal(await scrollsSideways(page), false);
    served.push({ name: "email log", html: await (await page.context().request.get(`${server.base}/consultant/emails`)).text() });
    assertNoProblems(problems);
  });
});

describe("with the example brand", () => {
  let branded;
  let page;
  let problems;
  let brandId;
  const brandName = readFileSync(BRAND_FILE, "utf8").match(/^name = "(.*)"$/m)[1];
  const brandConsent = readFileSync(BRAND_FILE, "utf8").match(/^consent_text = "(.*)"$/m)[1];
  const brandOwner = { name: "Grace Hopper", email: "grace@harbour-client.test" };

  before(async () => {
    branded = await startServicefit(["--submit-rate-limit", "0", "--brand", BRAND_FILE, "--smtp-url", sink.url, "--mail-from", `${brandName} <reports@harbour-it.example>`]);
    brandId = await createAssessment({ ...OWNER_JSON, company: "Pelican Print" }, branded.base);
    ({ page, problems } = await newPage(branded.base));
  });
  after(() => branded?.stop());

  test("the consent words are the brand's, and the email's subject carries its name", async () => {
    await open(page, `${branded.base}/assessments/${brandId}`, PHONE);
    const label = (await page.locator("label[for='report-consent']").textContent()).trim();
    assert.equal(label, brandConsent);
    assert.match(await page.getByRole("link", { name: "How your details are handled" }).getAttribute("href"), /^https:\/\/harbour-it\.example\/privacy$/);
    await assertAccessible(page, "the branded result with the form");
    const brandVerdict = (await page.title()).split(" recommended")[0];
    const before = sink.messages.length;
    await page.getByLabel("Your name").fill(brandOwner.name);
    await page.getByLabel("Your email address").fill(brandOwner.email);
    await page.getByRole("checkbox", { name: brandConsent }).check();
    assert.equal(await submit(page), 303);
    assert.doesNotMatch(await page.evaluate(() => `${document.title}\n${document.body.innerText}`), /servicefit/i);
    const mails = (await sink.waitForMessages(before + 1)).slice(before);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0].to, [brandOwner.email]);
    const subject = header(mails[0], "Subject");
    assert.ok(subject.includes(brandName), `"${subject}" names ${brandName}`);
    assert.ok(subject.includes(brandVerdict), `"${subject}" names the verdict`);
    assert.doesNotMatch(subject, /servicefit/i);
    served.push({ name: "branded result", html: await (await page.context().request.get(`${branded.base}/assessments/${brandId}`)).text() });
    assertNoProblems(problems);
  });
});

describe("in the embedded result", () => {
  test("the form in the frame's page: axe at zero, a problem comes back there, a good request ends on the framed confirmation", async () => {
    const embedId = await createAssessment({ ...OWNER_JSON, company: "Osprey Surgery" }, server.base);
    const { problems, page } = await newPage(server.base);
    await open(page, `${server.base}/assessments/${embedId}/embed`, PHONE);
    const section = page.getByRole("region", { name: "Email me this report" });
    assert.equal(await section.isVisible(), true);
    assert.equal(await scrollsSideways(page), false);
    await assertAccessible(page, "the embedded result with the form");
    served.push({ name: "embedded result with the form", html: await (await page.context().request.get(page.url())).text() });

    assert.equal(await submit(page), 422);
    assert.equal(new URL(page.url()).pathname, `/assessments/${embedId}/embed/report`);
    assert.equal(await focused(page, "#email-report-errors"), true, "the summary has the focus");
    await assertAccessible(page, "the embedded result with errors");

    const sentBefore = sink.messages.length;
    await page.getByLabel("Your name").fill("Grace Hopper");
    await page.getByLabel("Your email address").fill("grace@osprey-surgery.test");
    await page.locator("label[for='report-consent']").click();
    assert.equal(await submit(page), 303);
    assert.equal(new URL(page.url()).pathname, `/assessments/${embedId}/embed/report/sent`);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Your report is on its way");
    await assertAccessible(page, "the embedded confirmation");
    served.push({ name: "embedded confirmation", html: await (await page.context().request.get(page.url())).text() });
    const messages = await sink.waitForMessages(sentBefore + 1);
    assert.deepEqual(messages[messages.length - 1].to, ["grace@osprey-surgery.test"]);
    assertNoProblems(problems);
  });
});

test("the Nu HTML Checker finds no errors on the confirmation and the consultant's pages", async () => {
  assert.ok(served.length >= 5, `only ${served.length} pages collected`);
  assert.deepEqual(await htmlErrors(served), []);
});
