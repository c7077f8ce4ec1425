import { chromium } from "playwright-core";
const [base, id, tag] = [process.argv[2], process.argv[3], process.argv[4] || "x"];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
for (const scheme of ["light"]) {
const page = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: scheme });
await page.goto(`${base}/assessments/${id}`);
const h = await page.evaluate(() => document.documentElement.scrollHeight);
console.log(`${id} height ${h}px = ${(h / 844).toFixed(1)} screens at 390×844`);
const parts = await page.evaluate(() => [...document.querySelectorAll("header.site, .report-head, .report-section, .report-foot, #share, footer.site")].map(e => `${e.id || e.className}:${Math.round(e.getBoundingClientRect().height)}`).join(" "));
console.log(parts);
const fonts = await page.evaluate(() => { const s = [...document.querySelectorAll(".chart text")].map(t => t.getBoundingClientRect().height); return s.length ? `chart text min ${Math.min(...s).toFixed(1)}px` : "no chart text"; });
console.log(fonts);
await page.screenshot({ path: `/tmp/sf/first-${tag}.png` });
await page.screenshot({ path: `/tmp/sf/full-${tag}.png`, fullPage: true });
const pdf = await page.pdf({ format: "Letter" });
const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
console.log(`print: ${pages} Letter pages`);
await page.emulateMedia({ media: "print" });
await page.evaluate(() => document.querySelectorAll("details").forEach(d => d.open = true));
const pdf2 = await page.pdf({ format: "Letter", path: `/tmp/sf/print-${tag}.pdf` });
console.log(`print, details open: ${(pdf2.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length} Letter pages`);
}
await browser.close();
