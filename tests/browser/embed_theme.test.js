// The embed's look is the host's choice: `?theme=light|dark|auto` wins over the viewer's colour
// scheme (except for auto, which follows it), and `?accent=RRGGBB` colours links and buttons
// with enough contrast. Measured as Chromium renders it: computed styles, axe-core on every
// state, and the Nu checker on the HTML as served.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, assertNoProblems, axeViolations, createAssessment, launch, watchedContext } from "./lib/harness.js";
import { htmlErrors } from "./lib/vnu.js";

const LIGHT_BG = "rgb(255, 255, 255)";
const DARK_BG = "rgb(17, 21, 28)";

let browser;
let context;
let problems;
let page;
let id;
const served = [];

before(async () => {
  id = await createAssessment();
  browser = await launch();
  ({ context, problems } = await watchedContext(browser));
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

/** Opens `path` with the viewer's colour scheme `viewer`, and keeps its HTML for the checker. */
async function open(path, viewer) {
  await page.emulateMedia({ colorScheme: viewer });
  const res = await page.goto(`${BASE}${path}`);
  assert.equal(res.status(), 200, path);
  served.push({ name: `${path} (${viewer})`, html: await res.text() });
}

/** The computed colours that show the theme and the accent. */
function look() {
  return page.evaluate(() => {
    const style = (el) => getComputedStyle(el);
    const link = document.querySelector(".embed-more a, a");
    // The visible filled button: "Next" while the questionnaire is stepped.
    const button = [...document.querySelectorAll(".button:not(.secondary)")].find((b) => b.checkVisibility());
    return {
      background: style(document.body).backgroundColor,
      text: style(document.body).color,
      scheme: style(document.documentElement).colorScheme,
      link: link ? style(link).color : null,
      button: button ? style(button).backgroundColor : null,
    };
  });
}

/** WCAG 2 contrast of two `rgb(r, g, b)` strings. */
function contrast(a, b) {
  const lum = (css) => {
    assert.match(css, /^rgb\(\d+, \d+, \d+\)$/, "an opaque colour");
    const [r, g, b] = css.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

async function assertNoAxe(what) {
  assert.deepEqual(await axeViolations(page), [], `axe violations on ${what}`);
  assertNoProblems(problems);
}

describe("the host's theme wins over the viewer's scheme", () => {
  test("theme=light in a dark-preferring browser renders light", async () => {
    await open(`/assessments/${id}/embed?theme=light`, "dark");
    const l = await look();
    assert.equal(l.background, LIGHT_BG);
    assert.equal(l.scheme, "light");
    assert.ok(contrast(l.text, l.background) >= 7, `text ${l.text} on ${l.background}`);
    await assertNoAxe("embed, theme=light, viewer dark");
  });

  test("no theme is light, even for a dark-preferring viewer", async () => {
    await open(`/assessments/${id}/embed`, "dark");
    assert.equal((await look()).background, LIGHT_BG);
    await assertNoAxe("embed, default theme, viewer dark");
  });

  test("theme=dark in a light-preferring browser renders dark", async () => {
    await open(`/assessments/${id}/embed?theme=dark`, "light");
    const l = await look();
    assert.equal(l.background, DARK_BG);
    assert.equal(l.scheme, "dark");
    assert.ok(contrast(l.text, l.background) >= 7, `text ${l.text} on ${l.background}`);
    await assertNoAxe("embed, theme=dark, viewer light");
  });

  test("theme=auto follows the viewer", async () => {
    await open(`/assessments/${id}/embed?theme=auto`, "light");
    assert.equal((await look()).background, LIGHT_BG);
    await assertNoAxe("embed, theme=auto, viewer light");
    await page.emulateMedia({ colorScheme: "dark" });
    assert.equal((await look()).background, DARK_BG);
    await assertNoAxe("embed, theme=auto, viewer dark");
  });

  test("the embedded questionnaire takes the theme too", async () => {
    await open("/assess/embed?theme=dark", "light");
    assert.equal((await look()).background, DARK_BG);
    await assertNoAxe("embedded questionnaire, theme=dark");
  });
});

describe("the host's accent colour", () => {
  test("a readable accent colours the links as given", async () => {
    await open(`/assessments/${id}/embed`, "light");
    const plain = await look();
    await open(`/assessments/${id}/embed?accent=c2410c`, "light");
    const accented = await look();
    assert.equal(accented.link, "rgb(194, 65, 12)");
    assert.notEqual(accented.link, plain.link);
    await assertNoAxe("embed, accent=c2410c");
  });

  test("on a dark page a dark accent is lightened until links read at 4.5:1", async () => {
    for (const [path, viewer] of [
      [`/assessments/${id}/embed?theme=dark&accent=c2410c`, "light"],
      [`/assessments/${id}/embed?theme=auto&accent=c2410c`, "dark"],
    ]) {
      await open(path, viewer);
      const l = await look();
      assert.equal(l.background, DARK_BG, path);
      assert.notEqual(l.link, "rgb(194, 65, 12)", path);
      // Still the host's hue: red leads, blue trails.
      const [r, g, b] = l.link.match(/\d+/g).map(Number);
      assert.ok(r > g && g > b, `${path}: ${l.link}`);
      assert.ok(contrast(l.link, l.background) >= 4.5, `${path}: ${l.link} on ${l.background}`);
      await assertNoAxe(path);
    }
  });

  test("a pale accent is darkened on a light page, and the buttons carry it", async () => {
    await open("/assess/embed?accent=ffd700", "dark");
    const l = await look();
    assert.equal(l.background, LIGHT_BG);
    assert.notEqual(l.button, "rgb(255, 215, 0)");
    assert.ok(contrast(l.button, LIGHT_BG) >= 4.5, `button ${l.button}`);
    const label = await page.evaluate(() => getComputedStyle(document.querySelector(".step-next")).color);
    assert.ok(contrast(label, l.button) >= 4.5, `label ${label} on ${l.button}`);
    await assertNoAxe("embedded questionnaire, accent=ffd700");
  });

  test("the same pale accent is kept as it is on a dark page", async () => {
    await open("/assess/embed?theme=dark&accent=ffd700", "light");
    const l = await look();
    assert.equal(l.button, "rgb(255, 215, 0)");
    await assertNoAxe("embedded questionnaire, theme=dark, accent=ffd700");
  });
});

test("the Nu HTML Checker finds no errors on the themed pages", async () => {
  assert.ok(served.length >= 10, `only ${served.length} pages collected`);
  assert.deepEqual(await htmlErrors(served), []);
});
