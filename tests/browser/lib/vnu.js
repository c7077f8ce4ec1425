// The Nu HTML Checker (vnu-jar) over many documents in one Java start.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const JAR = require.resolve("vnu-jar/build/dist/vnu.jar");

/**
 * Checks every `{ name, html }` document and returns the errors as `name:line: message`
 * strings (an empty list when all are valid).
 */
export async function htmlErrors(documents) {
  const dir = mkdtempSync(join(tmpdir(), "servicefit-vnu-"));
  try {
    const files = documents.map((doc, i) => {
      const file = join(dir, `${String(i).padStart(2, "0")}-${doc.name.replace(/[^a-z0-9]+/gi, "-")}.html`);
      writeFileSync(file, doc.html);
      return file;
    });
    const stderr = await new Promise((resolve, reject) => {
      // vnu exits non-zero when it finds errors; its JSON report is what counts.
      execFile("java", ["-jar", JAR, "--errors-only", "--format", "json", ...files], { maxBuffer: 64 << 20 }, (err, _out, errOut) => {
        if (err && !errOut) {
          reject(err);
        } else {
          resolve(errOut);
        }
      });
    });
    const report = JSON.parse(stderr);
    return report.messages.map((m) => {
      const file = (m.url || "").split("/").pop();
      return `${file}:${m.lastLine ?? "?"}: ${m.message}${m.extract ? ` [${m.extract.trim()}]` : ""}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
