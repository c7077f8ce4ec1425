import { chromium } from "playwright-core";
const [base, path, sel, out, w, scheme] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const page = await browser.newPage({ viewport: { width: Number(w || 390), height: 844 }, colorScheme: scheme || "light" });
await page.goto(`${base}${path}`);
await page.locator(sel).first().screenshot({ path: out });
await browser.close();
