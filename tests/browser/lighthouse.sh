#!/usr/bin/env bash
# Lighthouse (npm lighthouse@12, run with Debian's Chromium) against each kind of page; prints
# the four category scores per page. Not part of CI: scores depend on the machine's load.
# Goal: 100 for accessibility, best practices and SEO, at least 95 for performance.
# LIGHTHOUSE_PRESET=desktop scores with desktop settings (default: Lighthouse's mobile ones).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
[ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund

# shellcheck source=server.sh
. "$here/server.sh"
start_servicefit --submit-rate-limit 0

id="$(node -e '
  fetch(process.env.SERVICEFIT_URL + "/api/v1/assessments", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ company: "Harbour Dental", employees: 20, growth: "growing", it_reliance: "high",
      complexity: "moderate", incidents_per_month: 4, support_hours: "business_hours", security: "regulated",
      in_house_it: "none", budget: "moderate", cost_preference: "predictable", control: "hands_off" }),
  }).then((r) => r.json()).then((a) => console.log(a.id));
')"

# A signed-in consultant's cookie, for the consultant pages.
jar="$servicefit_work/cookies"
csrf="$(curl -s -c "$jar" "$SERVICEFIT_URL/consultant/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')"
curl -s -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "csrf=$csrf" --data-urlencode "next=/consultant" \
  --data-urlencode "email=$SERVICEFIT_CONSULTANT_EMAIL" --data-urlencode "password=$SERVICEFIT_CONSULTANT_PASSWORD" \
  "$SERVICEFIT_URL/consultant/login"
cookie="$(awk '$6 == "servicefit_session" { print $6 "=" $7 }' "$jar")"

flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic"
preset=()
[ "${LIGHTHOUSE_PRESET:-}" = desktop ] && preset=(--preset=desktop)

printf '%-28s %6s %6s %6s %6s\n' page perf a11y bp seo
score() {
  local name="$1" path="$2" headers="${3:-}"
  local extra=()
  [ -n "$headers" ] && extra=(--extra-headers="$headers")
  CHROME_PATH=/usr/bin/chromium npx --yes lighthouse@12.8.2 "$SERVICEFIT_URL$path" \
    --quiet --output=json --output-path=stdout --chrome-flags="$flags" "${preset[@]}" "${extra[@]}" \
    --only-categories=performance,accessibility,best-practices,seo |
    node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const c = JSON.parse(s).categories;
        const pct = (k) => String(Math.round(c[k].score * 100));
        console.log(process.argv[1].padEnd(28), ...["performance", "accessibility", "best-practices", "seo"].map((k) => pct(k).padStart(6)));
      });' "$name"
}
score home /
score questionnaire /assess
score results "/assessments/$id"
score "embedded result" "/assessments/$id/embed"
score "embedded questionnaire" /assess/embed
score "consultant sign-in" /consultant/login
score "consultant review" /consultant "{\"Cookie\":\"$cookie\"}"
score "consultant detail" "/consultant/assessments/$id" "{\"Cookie\":\"$cookie\"}"
score "consultant trends" /consultant/trends "{\"Cookie\":\"$cookie\"}"
