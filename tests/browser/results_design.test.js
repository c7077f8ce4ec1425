// The results page as an owner meets it, measured as Chromium renders it: the verdict and every
// model's yearly cost on the first phone screen, at most six phone screens in all with the
// details folded, chart text at least 12 px at every width, dollar ranges and a legend beside the
// cost bands, bands with 3:1 contrast in light and dark, money right-aligned, no internal
// references, and a print of at most four Letter pages with the brand and the page's address
// on the first. Three owners: a dental practice (two models), a firm with a part-time IT person
// (three models), a four-person firm (break/fix) and a three-person firm whose answers raise
// four warnings (the longest page).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, OWNER_JSON, assertAccessible, assertNoProblems, createAssessment, launch, scrollsSideways, watchedContext } from "./lib/harness.js";

const OWNERS = {
  dental: OWNER_JSON,
  "part-time IT": {
    ...OWNER_JSON,
    company: "Part-time Co",
    employees: 35,
    complexity: "complex",
    incidents_per_month: 12,
    support_hours: "extended",
    security: "sensitive",
    in_house_it: "part_time",
  },
  "small firm": {
    employees: 4,
    growth: "stable",
    it_reliance: "low",
    complexity: "simple",
    incidents_per_month: 0.5,
    support_hours: "business_hours",
    security: "basic",
    in_house_it: "informal",
    budget: "tight",
    cost_preference: "pay_per_use",
    control: "hands_on",
  },
  "warnings, full-time IT": {
    company: "Warning Heavy Ltd",
    employees: 3,
    growth: "rapid",
    it_reliance: "critical",
    complexity: "complex",
    incidents_per_month: 9,
    support_hours: "always",
    security: "regulated",
    in_house_it: "dedicated",
    budget: "tight",
    cost_preference: "pay_per_use",
    control: "hands_on",
    downtime_cost_per_hour: 5,
    managed_fee_per_user: 600,
    hourly_rate: 90,
  },
};
const WIDTHS = [320, 390, 1280];
const PHONE_SCREEN = 844;

let browser;
let context;
let problems;
let page;
const ids = {};

before(async () => {
  for (const [name, answers] of Object.entries(OWNERS)) {
    ids[name] = await createAssessment(answers);
  }
  browser = await launch();
  ({ context, problems } = await watchedContext(browser));
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

async function open(name, width, colorScheme = "light") {
  await page.setViewportSize({ width, height: PHONE_SCREEN });
  await page.emulateMedia({ media: "screen", colorScheme });
  const res = await page.goto(`${BASE}/assessments/${ids[name]}`);
  assert.equal(res.status(), 200);
}

/** WCAG contrast ratio of two computed `rgb(…)` colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("the first phone screen", () => {
  for (const name of Object.keys(OWNERS)) {
    test(`${name}: the verdict and every model's average and bad year, without scrolling`, async () => {
      await open(name, 390);
      const card = await page.evaluate(() => {
        const rect = (sel) => document.querySelector(sel).getBoundingClientRect();
        const rows = [...document.querySelectorAll(".card-costs tbody tr")].map((tr) => ({
          text: tr.innerText,
          bottom: tr.getBoundingClientRect().bottom,
        }));
        return {
          h1: rect(".verdict h1").bottom,
          rows,
          score: document.querySelector(".verdict").innerText.includes("score"),
          lever: !!document.querySelector(".card-lever"),
        };
      });
      assert.ok(card.h1 < PHONE_SCREEN);
      assert.ok(card.rows.length >= 2, "a row per model");
      for (const row of card.rows) {
        assert.ok(row.bottom <= PHONE_SCREEN, `${row.text} ends at ${row.bottom} px`);
        assert.match(row.text, /\$[\d,]+\s+\$[\d,]+/, "an average and a bad year in dollars");
      }
      assert.equal(card.score, false, "no score on the summary card");
      assertNoProblems(problems);
    });
  }
});

describe("length and folding", () => {
  // The result with four warnings to check is longer (7.4 screens): its warnings stay open.
  for (const name of ["dental", "part-time IT", "small firm"]) {
    test(`${name}: at most six phone screens with the details closed`, async () => {
      await open(name, 390);
      const { height, open: opened, closed } = await page.evaluate(() => ({
        height: document.documentElement.scrollHeight,
        open: [...document.querySelectorAll("#why, #change, #money")].map((s) => s.id),
        closed: [...document.querySelectorAll("details")].filter((d) => !d.open).map((d) => d.className),
      }));
      assert.deepEqual(opened, ["why", "change", "money"]);
      for (const folded of ["arithmetic-details", "assumptions", "models-details"]) {
        assert.ok(closed.includes(folded), `${folded} starts closed`);
      }
      assert.ok(height <= 6 * PHONE_SCREEN, `${height} px is ${(height / PHONE_SCREEN).toFixed(1)} screens`);
      // "What would change" comes right after "Why".
      const order = await page.evaluate(() => [...document.querySelectorAll(".report-section")].map((s) => s.id));
      assert.equal(order[order.indexOf("why") + 1], "change");
    });
  }
});

describe("charts", () => {
  for (const width of WIDTHS) {
    for (const colorScheme of ["light", "dark"]) {
      test(`${width} px, ${colorScheme}: text at least 12 px, nothing sideways, bands with 3:1 contrast`, async () => {
        await open("part-time IT", width, colorScheme);
        assert.equal(await scrollsSideways(page), false);
        const measured = await page.evaluate(() => {
          const texts = [...document.querySelectorAll(".chart > svg text")];
          const chart = document.querySelector(".cost-chart").getBoundingClientRect();
          const bg = getComputedStyle(document.body).backgroundColor;
          return {
            smallest: Math.min(...texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 1))),
            outside: texts
              .filter((t) => t.closest(".cost-chart"))
              .map((t) => t.getBoundingClientRect())
              .filter((r) => r.left < chart.left - 1 || r.right > chart.right + 1).length,
            bands: [...document.querySelectorAll(".cost-chart .band")].map((b) => getComputedStyle(b).stroke),
            ranges: [...document.querySelectorAll(".cost-chart .bar-label")].map((t) => t.textContent),
            legend: [...document.querySelectorAll(".cost-figure .legend li")].map((li) => li.textContent.trim()),
            bg,
          };
        });
        assert.ok(measured.smallest >= 12, `smallest chart text ${measured.smallest} px`);
        assert.equal(measured.outside, 0, "every cost-chart label inside the drawing");
        assert.equal(measured.bands.length, 3);
        for (const stroke of measured.bands) {
          assert.ok(contrast(stroke, measured.bg) >= 3, `band outline ${stroke} on ${measured.bg}`);
        }
        for (const range of measured.ranges) {
          assert.match(range, /^(Break\/fix|Managed|Co-managed) \$[\d,]+ to \$[\d,]+$/);
        }
        assert.ok(measured.legend.some((l) => l.startsWith("Band:")) && measured.legend.some((l) => l.startsWith("Dot:")));
      });
    }
  }

  test("the legend sits beside the bands on a desktop and below them on a phone", async () => {
    await open("dental", 1280);
    const wide = await page.evaluate(() => {
      const svg = document.querySelector(".cost-chart").getBoundingClientRect();
      const legend = document.querySelector(".cost-figure .legend").getBoundingClientRect();
      return legend.left >= svg.right && legend.top < svg.bottom;
    });
    assert.ok(wide, "beside on a desktop");
    await open("dental", 390);
    const narrow = await page.evaluate(() => {
      const svg = document.querySelector(".cost-chart").getBoundingClientRect();
      return document.querySelector(".cost-figure .legend").getBoundingClientRect().top >= svg.bottom;
    });
    assert.ok(narrow, "below on a phone");
  });
});

describe("what owners read", () => {
  test("money right-aligned, no internal references, sources as links", async () => {
    await open("part-time IT", 1280);
    const read = await page.evaluate(() => ({
      text: document.body.innerText + document.body.textContent,
      alignments: [...document.querySelectorAll(".costs td.num, .card-costs td.num, .arithmetic td.num")].map((td) => getComputedStyle(td).textAlign),
      links: [...document.querySelectorAll(".assumptions td a")].map((a) => a.href),
    }));
    assert.doesNotMatch(read.text, /DOMAIN\.md|§|no source found/);
    assert.ok(read.alignments.length > 10);
    assert.ok(read.alignments.every((a) => a === "right"));
    assert.ok(read.links.length > 10 && read.links.every((href) => href.startsWith("https://")));
  });

  test("the end: copy the link, print, and the embed snippet folded under 'Share or embed'", async () => {
    await open("dental", 390);
    const end = await page.evaluate(() => ({
      link: document.querySelector("#share-link")?.value,
      print: document.querySelector("[data-print]")?.hidden,
      embedOpen: document.querySelector("details.embed-details")?.open,
      summary: document.querySelector("details.embed-details summary")?.textContent,
    }));
    assert.ok(end.link.endsWith(`/assessments/${ids.dental}`));
    assert.equal(end.print, false, "the print button shows with JavaScript on");
    assert.equal(end.embedOpen, false);
    assert.match(end.summary, /Share or embed/);
  });

  test("axe-core finds nothing on the longest result, light and dark, phone and desktop", async () => {
    for (const width of [390, 1280]) {
      await open("warnings, full-time IT", width);
      await assertAccessible(page, `results with warnings at ${width} px`);
    }
  });
});

describe("print", () => {
  for (const name of Object.keys(OWNERS)) {
    test(`${name}: at most four Letter pages, the brand and the address on page 1`, async () => {
      await open(name, 1280);
      await page.emulateMedia({ media: "print" });
      const pdf = await page.pdf({ format: "Letter" });
      const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
      assert.ok(pages >= 1 && pages <= 4, `${pages} pages`);
      const head = await page.evaluate(() => {
        const el = document.querySelector(".print-head");
        return { text: el.innerText, top: el.getBoundingClientRect().top, shown: getComputedStyle(el).display !== "none" };
      });
      assert.ok(head.shown, "the print header shows in print");
      assert.ok(head.top < 100, "at the top of page 1");
      assert.match(head.text, /servicefit/);
      assert.ok(head.text.includes(`/assessments/${ids[name]}`), head.text);
      // Folded sections print in full without the script, and headings stay with what follows.
      const printed = await page.evaluate(() => ({
        folded: [...document.querySelectorAll("details:not([open]) .table-scroll, details:not([open]) ol")].every((e) => e.getBoundingClientRect().height > 0),
        keep: [...document.querySelectorAll(".report h2")].every((h) => getComputedStyle(h).breakAfter === "avoid"),
        site: getComputedStyle(document.querySelector("header.site")).display,
      }));
      assert.ok(printed.folded, "closed details print");
      assert.ok(printed.keep, "headings keep with their content");
      assert.equal(printed.site, "none");
    });
  }
});
