// The questionnaire's design, measured in Chromium at 320, 390 and 1280 px, light and dark:
// answer cards a finger can hit, a chosen card that shows it, scales in one column, steps that
// open at their heading, buttons of at least 44 px, a "$" before money, and an error summary
// that is short and speaks only of the step on screen.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, STEPS, answerStep, assertNoProblems, launch, watchedContext } from "./lib/harness.js";

const WIDTHS = [
  ["320", { width: 320, height: 640 }],
  ["390", { width: 390, height: 844 }],
  ["1280", { width: 1280, height: 800 }],
];
const SCHEMES = ["light", "dark"];
/** Choices whose options run from least to most: they must read top to bottom. */
const ORDERED = ["growth", "it_reliance", "complexity", "support_hours", "security", "in_house_it", "budget", "control"];
const MIN_TARGET = 44;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function withPage(options, body) {
  const { context, problems } = await watchedContext(browser, options);
  try {
    await body(await context.newPage());
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
}

/** Boxes of the visible elements matching `selector`, with a name to report them by. */
function boxes(page, selector) {
  return page.evaluate((sel) =>
    [...document.querySelectorAll(sel)]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
      .map((el) => {
        const r = el.getBoundingClientRect();
        return {
          name: (el.id || el.getAttribute("for") || el.textContent.trim().slice(0, 40)),
          top: r.top + window.scrollY,
          bottom: r.bottom + window.scrollY,
          left: r.left,
          right: r.right,
          width: r.width,
          height: r.height,
        };
      }), selector);
}

/** Text a sighted person reads in `el` (what .visually-hidden keeps for screen readers left out). */
function visibleText(locator) {
  return locator.evaluate((el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".visually-hidden").forEach((h) => h.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  });
}

async function assertCards(page, where) {
  const cards = await page.evaluate(() =>
    [...document.querySelectorAll(".q-section:not([hidden]) .option")].map((option) => {
      const card = option.getBoundingClientRect();
      const label = option.querySelector("label").getBoundingClientRect();
      return { name: option.querySelector("input").id, card, label: { top: label.top, left: label.left, width: label.width, height: label.height } };
    }),
  );
  assert.ok(cards.length > 0, `${where}: no answer cards`);
  for (const { name, card, label } of cards) {
    assert.ok(label.height >= MIN_TARGET, `${where}: card ${name} is ${label.height} px tall`);
    // The label is the card: it covers the whole box the card takes.
    assert.ok(
      Math.abs(label.top - card.top) < 1 && Math.abs(label.left - card.left) < 1 &&
        Math.abs(label.width - card.width) < 1 && Math.abs(label.height - card.height) < 1,
      `${where}: the label of ${name} does not cover its card`,
    );
  }
}

async function assertOneColumn(page, where) {
  const keys = await page.evaluate(() =>
    [...document.querySelectorAll(".q-section:not([hidden]) fieldset[data-question]")].map((f) => f.dataset.question),
  );
  for (const key of keys.filter((k) => ORDERED.includes(k))) {
    const options = await boxes(page, `#field-${key} .option`);
    for (let i = 1; i < options.length; i++) {
      assert.ok(Math.abs(options[i].left - options[0].left) < 1, `${where}: ${key} options side by side`);
      assert.ok(options[i].top >= options[i - 1].bottom, `${where}: ${key} option ${i + 1} is not below option ${i}`);
    }
  }
}

async function assertButtons(page, where, least = 2) {
  const buttons = await boxes(page, "button");
  assert.ok(buttons.length >= least, `${where}: buttons missing`);
  for (const b of buttons) {
    assert.ok(b.height >= MIN_TARGET, `${where}: button "${b.name}" is ${b.height} px tall`);
  }
}

/** Nothing outside the step on screen carries an error. */
async function assertErrorsOnlyHere(page, where) {
  const elsewhere = await page.evaluate(() =>
    [...document.querySelectorAll(".q-section[hidden] .has-error, .q-section[hidden] .error, .q-section[hidden] [aria-invalid]")].map(
      (el) => el.id || el.dataset.question,
    ),
  );
  assert.deepEqual(elsewhere, [], `${where}: errors on steps not reached`);
}

/** One problem, one mark: no border around the question besides the field's own. */
async function assertNoDoubleBorder(page, where) {
  const borders = await page.evaluate(() =>
    [...document.querySelectorAll(".has-error")].map((q) => {
      const s = getComputedStyle(q);
      return { key: q.dataset.question, left: s.borderLeftWidth, top: s.borderTopWidth };
    }),
  );
  assert.ok(borders.length > 0, `${where}: no question marked`);
  for (const b of borders) {
    assert.deepEqual([b.left, b.top], ["0px", "0px"], `${where}: ${b.key} has a border of its own`);
  }
}

/** A summary of a count and short names: each link reads as a few words, not the question. */
async function assertCompactSummary(page, selector, keys, where) {
  const summary = page.locator(selector);
  assert.ok(await summary.isVisible(), `${where}: no summary`);
  const n = keys.length;
  assert.equal(await summary.getByRole("heading").innerText(), n === 1 ? "One answer needs attention" : `${n} answers need attention`);
  const links = summary.getByRole("link");
  assert.equal(await links.count(), n, `${where}: summary lists ${await links.count()} answers`);
  for (let i = 0; i < n; i++) {
    const link = links.nth(i);
    assert.equal(await link.getAttribute("href"), `#field-${keys[i]}`);
    const seen = await visibleText(link);
    assert.ok(seen.length > 0 && seen.length <= 30 && !seen.endsWith("?"), `${where}: "${seen}" is not a short name`);
    // Links in a list of up to eleven: tall enough to tap (WCAG asks 24 px), short enough to
    // keep the list to a few lines.
    const h = (await link.boundingBox()).height;
    assert.ok(h >= 36, `${where}: summary link "${seen}" is ${h} px tall`);
  }
  return summary;
}

for (const [w, viewport] of WIDTHS) {
  for (const colorScheme of SCHEMES) {
    const phone = viewport.width < 600;
    describe(`${w} px, ${colorScheme}`, () => {
      test("every step: cards, columns, headings, buttons", () =>
        withPage({ viewport, colorScheme, isMobile: phone, hasTouch: phone }, async (page) => {
          await page.goto(`${BASE}/assess`);
          for (let i = 0; i < STEPS.length; i++) {
            const where = `${w} px ${colorScheme}, step ${i + 1}`;
            const heading = page.locator(".q-section:not([hidden]) h2");
            const title = page.locator("main h1");
            if (i === 0) {
              assert.ok((await title.boundingBox()).height > 10, `${where}: page title not shown`);
              assert.ok(await page.locator("main .lead").isVisible(), `${where}: introduction not shown`);
            } else {
              // The title stays for screen readers, out of sight; the introduction goes.
              assert.equal(await title.count(), 1);
              assert.ok((await title.boundingBox()).height <= 1, `${where}: page title still shown`);
              assert.equal(await page.locator("main .lead").isVisible(), false, `${where}: introduction still shown`);
              const [h] = await boxes(page, ".q-section:not([hidden]) h2");
              assert.ok(h.top <= 320, `${where}: heading starts at ${h.top} px`);
            }
            assert.ok(await heading.isVisible());
            // The progress bar takes little room.
            const bar = (await boxes(page, ".stepper"))[0];
            assert.ok(bar.height <= 90, `${where}: progress block is ${bar.height} px tall`);
            if (await page.locator(".q-section:not([hidden]) .option").count()) {
              await assertCards(page, where);
              await assertOneColumn(page, where);
            }
            await assertButtons(page, where);
            const main = page.getByRole("button", { name: i < STEPS.length - 1 ? "Next" : "See my recommendation" });
            if (phone) {
              const form = (await boxes(page, "form.questionnaire"))[0];
              const b = await main.boundingBox();
              assert.ok(Math.abs(b.width - form.width) < 1, `${where}: main button ${b.width} px wide in a ${form.width} px form`);
            }
            await answerStep(page, i);
            if (i < STEPS.length - 1) {
              await page.getByRole("button", { name: "Next" }).click();
            }
          }
          await page.getByRole("button", { name: "Start over" }).click();
        }));

      test("a card chosen by a tap on its padding shows it: border, tint and tick", () =>
        withPage({ viewport, colorScheme, isMobile: phone, hasTouch: phone }, async (page) => {
          await page.goto(`${BASE}/assess`);
          const group = page.getByRole("group", { name: "How will your team change over the next year?" });
          const label = page.locator("label[for=growth-rapid]");
          const before = await label.evaluate((el) => {
            const s = getComputedStyle(el);
            return { border: s.borderTopColor, background: s.backgroundColor, tick: getComputedStyle(el, "::after").content };
          });
          const box = await label.boundingBox();
          // The far corner of the card: padding, away from the radio and the words.
          await label.click({ position: { x: box.width - 6, y: box.height - 5 } });
          assert.ok(await group.getByRole("radio", { name: /Growing fast/ }).isChecked(), "a tap on the card's padding did not choose it");
          const chosen = await label.evaluate((el) => {
            const s = getComputedStyle(el);
            return { border: s.borderTopColor, background: s.backgroundColor, tick: getComputedStyle(el, "::after").content };
          });
          assert.notEqual(chosen.border, before.border, "the chosen card's border is unchanged");
          assert.notEqual(chosen.background, before.background, "the chosen card's background is unchanged");
          assert.equal(before.tick, "none", "an unchosen card has a tick");
          assert.notEqual(chosen.tick, "none", "the chosen card has no tick");
          // Another card's left padding, beside the radio, chooses that card instead.
          const other = page.locator("label[for=growth-stable]");
          const otherBox = await other.boundingBox();
          await other.click({ position: { x: 4, y: otherBox.height - 4 } });
          assert.ok(await page.locator("#growth-stable").isChecked());
          assert.equal(await page.locator("#growth-rapid").isChecked(), false);
          await page.getByRole("button", { name: "Start over" }).click();
        }));

      test("errors: a short summary of this step only, marked once", () =>
        withPage({ viewport, colorScheme, isMobile: phone, hasTouch: phone }, async (page) => {
          await page.goto(`${BASE}/assess`);
          await page.getByRole("button", { name: "Next" }).click();
          const where = `${w} px ${colorScheme}, step 1`;
          const summary = await assertCompactSummary(page, "#step-errors", ["employees", "growth"], where);
          // Screen readers hear the problem with the name: the link says what the field says.
          for (const key of ["employees", "growth"]) {
            const message = (await page.locator(`#error-${key}`).innerText()).replace(/^\s*Error:\s*/, "");
            const link = summary.locator(`a[href="#field-${key}"]`);
            assert.equal(await link.textContent(), `${await visibleText(link)}: ${message}`);
          }
          const names = await summary.getByRole("link").evaluateAll((as) => as.map((a) => a.firstChild.textContent));
          assert.deepEqual(names, ["People", "Growth plans"]);
          const height = (await summary.boundingBox()).height;
          assert.ok(height <= (phone ? 150 : 110), `${where}: summary is ${height} px tall`);
          await assertErrorsOnlyHere(page, where);
          await assertNoDoubleBorder(page, where);
          const input = page.locator("#field-employees");
          const colours = await input.evaluate((el) => ({
            border: getComputedStyle(el).borderTopColor,
            error: getComputedStyle(el.closest(".question").querySelector(".error")).color,
          }));
          assert.equal(colours.border, colours.error, `${where}: the field's border is not the error colour`);

          // A corrected answer leaves the summary, and the count follows.
          await page.getByRole("group", { name: "How will your team change over the next year?" }).getByLabel("Staying about the same size").check();
          assert.equal(await summary.getByRole("heading").innerText(), "One answer needs attention");
          await answerStep(page, 0);
          await page.getByRole("button", { name: "Next" }).click();
          assert.equal(await summary.isVisible(), false);

          // Step 2 left empty: only its own questions are named.
          await page.locator("#field-incidents_per_month").fill("");
          await page.getByRole("button", { name: "Next" }).click();
          await assertCompactSummary(page, "#step-errors", ["it_reliance", "complexity", "incidents_per_month"], `${w} px ${colorScheme}, step 2`);
          await assertErrorsOnlyHere(page, `${w} px ${colorScheme}, step 2`);
          await page.getByRole("button", { name: "Start over" }).click();
        }));

      test("money: a $ before each amount, its default shown, optional said once", () =>
        withPage({ viewport, colorScheme, isMobile: phone, hasTouch: phone }, async (page) => {
          await page.goto(`${BASE}/assess`);
          for (let i = 0; i < STEPS.length - 1; i++) {
            await answerStep(page, i);
            await page.getByRole("button", { name: "Next" }).click();
          }
          const fields = [
            ["What does an IT technician charge per hour, in US dollars?", "150"],
            ["What would a managed provider charge per person per month, in US dollars?", "125"],
            ["What does one hour with nobody able to work cost you, in US dollars?", null],
          ];
          for (const [question, placeholder] of fields) {
            const input = page.getByLabel(question);
            assert.equal(await input.count(), 1, `no field labelled ${question}`);
            const id = await input.getAttribute("id");
            const sign = page.locator(`#${id}`).locator("xpath=preceding-sibling::*[contains(@class, 'currency')]");
            assert.equal(await sign.innerText(), "$");
            assert.equal(await sign.getAttribute("aria-hidden"), "true");
            const s = await sign.boundingBox();
            const f = await input.boundingBox();
            assert.ok(Math.abs(s.x + s.width - f.x) < 1 && Math.abs(s.y - f.y) < 1, `${question}: $ not joined to the field's left`);
            assert.equal(await input.getAttribute("placeholder"), placeholder);
            if (placeholder) {
              assert.match(await page.locator(`#default-${id.replace("field-", "")}`).innerText(), new RegExp(`\\$${placeholder}\\b`));
            }
            const said = await page.locator(`[data-question=${id.replace("field-", "")}]`).innerText();
            assert.equal((said.match(/optional/gi) || []).length, 1, `${question}: "optional" ${said}`);
          }
          await page.getByRole("button", { name: "Start over" }).click();
        }));
    });
  }
}

describe("without JavaScript", () => {
  for (const colorScheme of SCHEMES) {
    test(`${colorScheme}: chosen cards show it, and the server's summary is short`, () =>
      withPage({ viewport: { width: 390, height: 844 }, colorScheme, javaScriptEnabled: false }, async (page) => {
        await page.goto(`${BASE}/assess`);
        const label = page.locator("label[for=budget-tight]");
        const style = () => label.evaluate((el) => [getComputedStyle(el).borderTopColor, getComputedStyle(el).backgroundColor]);
        const before = await style();
        const box = await label.boundingBox();
        await label.click({ position: { x: box.width - 6, y: box.height - 5 } });
        assert.ok(await page.locator("#budget-tight").isChecked());
        const after = await style();
        assert.notEqual(after[0], before[0]);
        assert.notEqual(after[1], before[1]);
        await assertOneColumn(page, `no JS ${colorScheme}`);
        await assertButtons(page, `no JS ${colorScheme}`, 1);

        await page.getByLabel("How many people use a computer, tablet or phone for work?").fill("2.5");
        await page.getByRole("button", { name: "See my recommendation" }).click();
        await page.waitForLoadState();
        const keys = ["employees", "growth", "it_reliance", "complexity", "incidents_per_month", "support_hours", "security", "in_house_it", "cost_preference", "control"];
        // The full form's summary: every problem, by short name (budget was answered).
        const summary = await assertCompactSummary(page, "#error-summary", keys, `no JS ${colorScheme}`);
        assert.match(await summary.getByRole("link").first().textContent(), /^People: Enter a whole number of people/);
        await assertNoDoubleBorder(page, `no JS ${colorScheme}`);
        assert.ok(await page.locator("#budget-tight").isChecked());
      }));
  }
});
