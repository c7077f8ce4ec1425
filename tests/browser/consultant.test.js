// The consultant pages as a consultant sees them, at 320, 390 and 1280 px in light and dark:
// the review list fits the screen (cards on a phone), the header lines up with the content,
// the menu marks the current page, verdict and status badges are readable, dates read as
// dates, two ticked rows open the comparison, and the trends chart with one month of data.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE,
  OWNER_JSON,
  assertAccessible,
  assertNoProblems,
  createAssessment,
  launch,
  scrollsSideways,
  signIn,
  watchedContext,
} from "./lib/harness.js";
import { htmlErrors } from "./lib/vnu.js";

const WIDTHS = [
  { width: 320, height: 640 },
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];
const SCHEMES = ["light", "dark"];

let browser;
let context;
let problems;
let page;
const ids = {};
const served = [];

before(async () => {
  // "Kestrel" in every name: the other test files' assessments share the server, and the
  // list is searched for it.
  ids.dental = await createAssessment({ ...OWNER_JSON, company: "Kestrel Dental" });
  ids.studio = await createAssessment({ ...OWNER_JSON, company: "Kestrel Pines Studio", employees: 3, it_reliance: "low", complexity: "simple", in_house_it: "informal", budget: "tight", cost_preference: "pay_per_use", control: "hands_on", incidents_per_month: 0.2, security: "basic", growth: "stable" });
  ids.long = await createAssessment({ ...OWNER_JSON, company: "Kestrel Northgate Regional Orthodontics and Family Dentistry Partnership LLC", employees: 45 });
  browser = await launch();
  ({ context, problems } = await watchedContext(browser));
  page = await context.newPage();
  await signIn(page);
});

after(async () => {
  await browser?.close();
});

/** WCAG contrast of each badge's text against its own background, as rendered. */
async function badgeContrasts(page) {
  return page.$$eval(".badge", (badges) => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    return badges.map((el) => {
      const style = getComputedStyle(el);
      const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
      return { text: el.textContent.trim(), ratio: (a + 0.05) / (b + 0.05), transparent: style.backgroundColor === "rgba(0, 0, 0, 0)" };
    });
  });
}

async function open(path, { status = 200 } = {}) {
  const res = await page.goto(`${BASE}${path}`);
  assert.equal(res.status(), status, path);
}

describe("the review list", () => {
  for (const size of WIDTHS) {
    for (const colorScheme of SCHEMES) {
      test(`at ${size.width} px, ${colorScheme}`, async () => {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme });
        await open("/consultant?q=kestrel");
        const what = `${size.width} px ${colorScheme}`;

        assert.equal(await scrollsSideways(page), false, `the page scrolls sideways at ${what}`);
        const table = await page.$eval("table.review", (t) => {
          const box = t.parentElement;
          return { scrolls: box.scrollWidth > box.clientWidth, width: t.getBoundingClientRect().width, right: t.getBoundingClientRect().right };
        });
        assert.equal(table.scrolls, false, `the list scrolls inside its box at ${what}`);
        assert.ok(table.right <= size.width, `the list ends past the screen at ${what}`);

        // A phone shows each assessment as a card, every value with its label.
        const rows = await page.$$eval("table.review tbody tr", (trs) =>
          trs.map((tr) => ({ display: getComputedStyle(tr).display, width: tr.getBoundingClientRect().width })),
        );
        assert.equal(rows.length, 3);
        const theadShown = await page.$eval("table.review thead", (h) => h.getBoundingClientRect().height > 2);
        if (size.width < 640) {
          for (const r of rows) {
            assert.equal(r.display, "flex", `a card at ${what}`);
            assert.ok(r.width <= size.width - 16, `a card fits at ${what}`);
          }
          assert.equal(theadShown, false, `no column heads over cards at ${what}`);
          const label = await page.$eval("table.review tbody td[data-label='Verdict']", (td) => getComputedStyle(td, "::before").content);
          assert.equal(label, '"Verdict"');
          // The tick box's label is a tap target of at least 44 px.
          const tap = await page.$eval("table.review tbody td.pick label", (l) => l.getBoundingClientRect().height);
          assert.ok(tap >= 44, `tick target ${tap} px at ${what}`);
        } else {
          for (const r of rows) {
            assert.equal(r.display, "table-row", `a table row at ${what}`);
          }
          assert.equal(theadShown, true);
          // The header lines up with the content.
          const edges = await page.evaluate(() => {
            const box = (sel) => document.querySelector(sel).getBoundingClientRect();
            return { header: box("header.site .wrap"), main: box("main") };
          });
          assert.equal(Math.round(edges.header.left), Math.round(edges.main.left), "header and content start together");
          assert.equal(Math.round(edges.header.width), Math.round(edges.main.width), "header and content are as wide");
          assert.ok(edges.main.width > 1000, "the wide layout");
        }

        // The current menu item is marked and looks it.
        const nav = await page.$$eval("nav[aria-label='Main'] a", (links) =>
          links.map((a) => ({ text: a.textContent.trim(), current: a.getAttribute("aria-current"), weight: getComputedStyle(a).fontWeight, border: getComputedStyle(a).borderBottomWidth })),
        );
        const current = nav.filter((a) => a.current);
        assert.deepEqual(current.map((a) => [a.text, a.current]), [["Review", "page"]]);
        const other = nav.find((a) => a.text === "Trends");
        assert.notEqual(current[0].weight, other.weight, "the current item is bolder");
        assert.equal(current[0].border, "3px");

        // Badges: a word and a colour, the word readable on the colour.
        const badges = await badgeContrasts(page);
        assert.ok(badges.length >= 6, `${badges.length} badges`);
        for (const b of badges) {
          assert.ok(b.text.length > 0);
          assert.equal(b.transparent, false, `${b.text} has a colour`);
          assert.ok(b.ratio >= 4.5, `${b.text}: contrast ${b.ratio.toFixed(2)} at ${what}`);
        }
        assert.ok(badges.some((b) => b.text === "Managed") && badges.some((b) => b.text === "Break/fix") && badges.some((b) => b.text === "New"));

        // The count, and dates as people write them.
        assert.equal(await page.locator("#match-count").textContent(), "3 assessments match.");
        const times = await page.$$eval("table.review time", (ts) => ts.map((t) => [t.textContent, t.getAttribute("datetime")]));
        assert.equal(times.length, 3);
        for (const [text, iso] of times) {
          assert.match(text, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
          assert.match(iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
        }
        const visible = await page.evaluate(() => document.body.innerText);
        assert.doesNotMatch(visible, /\d{4}-\d{2}-\d{2}T\d{2}/, "no raw timestamps");

        if (size.width === 390 || size.width === 1280) {
          await page.emulateMedia({ colorScheme: "light" });
          await assertAccessible(page, `review list at ${size.width} px`);
        }
        assertNoProblems(problems);
      });
    }
  }
});

describe("the other consultant pages", () => {
  for (const [name, path, menu] of [
    ["detail", () => `/consultant/assessments/${ids.dental}`, ["Review", "true"]],
    ["compare", () => `/consultant/compare?a=${ids.dental}&b=${ids.studio}`, ["Compare", "page"]],
    ["trends", () => "/consultant/trends", ["Trends", "page"]],
    ["webhooks", () => "/consultant/webhooks", ["Webhooks", "page"]],
    ["emails", () => "/consultant/emails", ["Emails", "page"]],
  ]) {
    test(name, async () => {
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        for (const colorScheme of SCHEMES) {
          await page.emulateMedia({ colorScheme });
          await open(path());
          const what = `${name} at ${size.width} px ${colorScheme}`;
          assert.equal(await scrollsSideways(page), false, what);
          const current = await page.$$eval("nav[aria-label='Main'] a[aria-current]", (links) => links.map((a) => [a.textContent.trim(), a.getAttribute("aria-current")]));
          assert.deepEqual(current, [menu], what);
          for (const b of await badgeContrasts(page)) {
            assert.ok(b.ratio >= 4.5, `${b.text}: contrast ${b.ratio.toFixed(2)} on ${what}`);
          }
          const visible = await page.evaluate(() => document.body.innerText);
          assert.doesNotMatch(visible, /\d{4}-\d{2}-\d{2}T\d{2}/, `no raw timestamps on ${what}`);
        }
      }
      await page.emulateMedia({ colorScheme: "light" });
      assertNoProblems(problems);
    });
  }

  test("the trends chart with one month of data: one column by the axis, not stretched", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open("/consultant/trends");
    const chart = await page.$eval("svg.month-chart", (svg) => {
      const box = svg.getBoundingClientRect();
      const bars = [...svg.querySelectorAll("rect")].map((r) => r.getBoundingClientRect());
      return { left: box.left, width: box.width, bars };
    });
    // One column, its verdicts stacked in it.
    const lefts = new Set(chart.bars.map((b) => Math.round(b.left)));
    assert.equal(lefts.size, 1, "one column");
    const bar = chart.bars[0];
    assert.ok(bar.width < chart.width / 8, `the bar is ${bar.width} of ${chart.width} px`);
    assert.ok(bar.left - chart.left < chart.width / 4, "the bar stands by the axis");
    assert.match(await page.locator("#verdicts").textContent(), /Only one month has assessments so far/);
  });
});

describe("comparing by ticking two rows", () => {
  for (const size of [WIDTHS[1], WIDTHS[2]]) {
    test(`at ${size.width} px`, async () => {
      await page.setViewportSize(size);
      await open("/consultant?q=kestrel&recommendation=managed");
      // Both managed; the studio is filtered out.
      await page.getByLabel("Compare Kestrel Dental").check();
      await page.getByLabel("Compare Kestrel Northgate Regional Orthodontics and Family Dentistry Partnership LLC").check();
      await Promise.all([page.waitForURL(/\/consultant\/compare\?a=/), page.getByRole("button", { name: "Compare the ticked two" }).first().click()]);
      const url = new URL(page.url());
      assert.deepEqual([url.searchParams.get("a"), url.searchParams.get("b")].sort(), [ids.dental, ids.long].sort());
      await page.getByRole("heading", { name: "Compare two assessments" }).waitFor();
      const heads = await page.$$eval(".compare-table thead th a", (as) => as.map((a) => a.textContent));
      assert.deepEqual(heads.sort(), ["Kestrel Dental", "Kestrel Northgate Regional Orthodontics and Family Dentistry Partnership LLC"]);
      assert.equal(await scrollsSideways(page), false);
      assertNoProblems(problems);

      // One ticked: the page says what to do and leads back to the list as it was.
      await open("/consultant?q=kestrel&recommendation=managed");
      await page.getByLabel("Compare Kestrel Dental").check();
      await page.getByRole("button", { name: "Compare the ticked two" }).last().click();
      await page.waitForURL(/\/consultant\/compare\?/);
      assert.match(await page.getByRole("alert").textContent(), /Only one assessment was ticked/);
      await assertAccessible(page, `compare, one ticked, at ${size.width} px`);
      await Promise.all([page.waitForURL(/\/consultant\?q=kestrel&recommendation=managed$/), page.getByRole("link", { name: "Back to the list" }).click()]);
      assert.equal(await page.locator("#match-count").textContent(), "2 assessments match.");

      // Three ticked.
      await open("/consultant?q=kestrel");
      for (const box of await page.locator("td.pick input").all()) {
        await box.check();
      }
      await page.getByRole("button", { name: "Compare the ticked two" }).first().click();
      await page.waitForURL(/\/consultant\/compare\?/);
      assert.match(await page.getByRole("alert").textContent(), /3 assessments were ticked/);
      assertNoProblems(problems);
    });
  }
});

test("the Nu HTML Checker finds no errors on the new states", async () => {
  for (const path of ["/consultant?q=kestrel", `/consultant/compare?list=q%3Dkestrel&pick=${ids.dental}`]) {
    const raw = await context.request.get(`${BASE}${path}`, { maxRedirects: 0 });
    served.push({ name: path, html: await raw.text() });
  }
  assert.deepEqual(await htmlErrors(served), []);
});
