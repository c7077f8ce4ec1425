// Shared by every browser test: Debian's Chromium driven by playwright-core, page watchers
// that fail a test on console errors or on any request to another host, axe-core injection,
// and the answers a business owner would give.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

/** The server run.sh started. */
export const BASE = process.env.SERVICEFIT_URL;
if (!BASE) {
  throw new Error("SERVICEFIT_URL is not set: run the suite with tests/browser/run.sh");
}
const ORIGIN = new URL(BASE).origin;

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

// Without the background-networking flags Chromium tries Google's hosts at start-up, which a
// closed network refuses. Playwright gives every launch a fresh temporary --user-data-dir.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: FLAGS,
  });
}

/**
 * A browser context whose pages are watched: `problems` collects console errors, uncaught
 * exceptions and every attempt to reach another host than `origin` (which is refused).
 */
export async function watchedContext(browser, options = {}, origin = ORIGIN) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const problems = [];
  await context.route(
    (url) => url.origin !== origin && (url.protocol === "http:" || url.protocol === "https:"),
    (route) => {
      problems.push(`request to another host: ${route.request().url()}`);
      return route.abort("blockedbyclient");
    },
  );
  context.on("page", (page) => watch(page, problems));
  return { context, problems };
}

function watch(page, problems) {
  page.on("console", (msg) => {
    // Chromium logs every 4xx/5xx response as an error, the page's own document included;
    // an error page's status is asserted by the tests that ask for one.
    const own = msg.location().url === page.url() && /^Failed to load resource: the server responded with a status of (404|422)/.test(msg.text());
    if (msg.type() === "error" && !own) {
      problems.push(`console error on ${page.url()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception on ${page.url()}: ${err.message}`));
}

/** Asserts nothing went wrong since the last call, and starts counting afresh. */
export function assertNoProblems(problems) {
  const found = problems.splice(0);
  assert.deepEqual(found, [], "console errors, exceptions or requests to other hosts");
}

const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core with its default rules (WCAG A/AA and best practices) on the page as it is,
 * and returns the violations in a form that reads well in a failed assertion. The script is
 * evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
 */
export async function axeViolations(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!hasAxe) {
    await page.evaluate(AXE_SOURCE);
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
  }));
}

/** Asserts axe finds nothing, in light and in dark colour schemes. */
export async function assertAccessible(page, what) {
  for (const colorScheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme });
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `axe violations on ${what} (${colorScheme})`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** True when the page is wider than the viewport (horizontal scrolling). */
export async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/**
 * A dental practice's answers, step by step, as an owner reads the questions: `[question,
 * answer]` where a text answer is typed into the field labelled `question` and a choice is the
 * option labelled `answer` in the group named `question`.
 */
export const STEPS = [
  [
    ["Business name", { type: "Harbour Dental" }],
    ["How many people use a computer, tablet or phone for work?", { type: "20" }],
    ["How will your team change over the next year?", { choose: "Growing steadily" }],
  ],
  [
    ["If your computers or internet stopped working, what would happen?", { choose: "Most work stops within an hour" }],
    ["What does your IT look like?", { choose: "In between" }],
    ["About how many IT problems a month need someone to fix them?", { type: "4" }],
  ],
  [
    ["When do you need IT help to be available?", { choose: "Office hours are enough" }],
    ["What kind of information do you keep?", { choose: "Rules we must prove we follow" }],
    ["Who looks after IT today?", { choose: "Nobody" }],
  ],
  [
    ["How much room is there in the budget for IT?", { choose: "Moderate" }],
    ["How would you rather pay for IT support?", { choose: "The same amount every month" }],
    ["How involved do you want to be in IT decisions?", { choose: "Someone else should just take care of it" }],
  ],
  // Typed as owners write prices; the server reads "$95" as 95.
  [["What does an IT technician charge per hour, in US dollars?", { type: "$95" }]],
];

/** Answers the questions of step `i` (0-based) through their visible labels. */
export async function answerStep(page, i) {
  for (const [question, answer] of STEPS[i]) {
    if (answer.type !== undefined) {
      await page.getByLabel(question).fill(answer.type);
    } else {
      await page.getByRole("group", { name: question }).getByLabel(answer.choose).check();
    }
  }
}

/** The same answers for the JSON API, to seed pages without clicking. */
export const OWNER_JSON = {
  company: "Harbour Dental",
  employees: 20,
  growth: "growing",
  it_reliance: "high",
  complexity: "moderate",
  incidents_per_month: 4,
  support_hours: "business_hours",
  security: "regulated",
  in_house_it: "none",
  budget: "moderate",
  cost_preference: "predictable",
  control: "hands_off",
};

/** Creates an assessment through the API (of the server at `base`) and returns its id. */
export async function createAssessment(answers = OWNER_JSON, base = BASE) {
  const res = await fetch(`${base}/api/v1/assessments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(answers),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

/**
 * Signs in through the sign-in form: as the consultant run.sh created, or as `as` on the
 * server at `base`.
 */
export async function signIn(page, { base = BASE, as } = {}) {
  const { email, password } = as ?? { email: process.env.SERVICEFIT_CONSULTANT_EMAIL, password: process.env.SERVICEFIT_CONSULTANT_PASSWORD };
  await page.goto(`${base}/consultant/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL(`${base}/consultant`), page.getByRole("button", { name: "Sign in" }).click()]);
}
