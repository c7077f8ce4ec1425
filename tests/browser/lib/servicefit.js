// A servicefit server of a test file's own, for flags the shared one (server.sh) does not have:
// the binary run.sh built, a throwaway database, a free port and, when asked, one consultant.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const BIN = join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "debug", "servicefit");

/**
 * Starts `servicefit serve` with `args`; resolves to `{ base, consultant, stop() }` where
 * `consultant` is `{ email, password }` when `withConsultant` is set.
 */
export async function startServicefit(args, { withConsultant = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), "servicefit-own-"));
  const env = { ...process.env, DATABASE_URL: `sqlite://${join(work, "own.db")}`, RUST_LOG: "warn" };
  let consultant;
  if (withConsultant) {
    consultant = { email: "consultant@servicefit.test", password: `browser-${randomBytes(8).toString("hex")}` };
    const added = spawnSync(BIN, ["consultant", "add", consultant.email], { env, input: `${consultant.password}\n`, encoding: "utf8" });
    if (added.status !== 0) throw new Error(`consultant add failed: ${added.stderr}`);
  }
  const server = spawn(BIN, ["serve", "--bind", "127.0.0.1:0", ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`servicefit ${args.join(" ")} exited with ${code}`)));
    createInterface({ input: server.stdout }).on("line", (line) => {
      const found = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) resolve(found[1]);
    });
  });
  return {
    base,
    consultant,
    stop() {
      server.removeAllListeners("exit");
      server.kill();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
