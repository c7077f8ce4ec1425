//! A realistic review database: real outcomes (a few hundred distinct answer sets, each scored by
//! the engine), spread over two years, with company names, statuses, flags, tags and notes in
//! the proportions a busy consultancy would see, and a lead (the owner asked for the report by
//! email) on about 3 in 1,000. Deterministic: the same seed gives the same file.

use base64::Engine;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use servicefit::rules::answers::{
    Budget, Choice, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use servicefit::rules::{Answers, RuleSet, assess};
use sqlx::{Connection, SqliteConnection};
use time::OffsetDateTime;
use time::macros::format_description;

/// Distinct scored answer sets the rows reuse.
const TEMPLATES: usize = 400;
/// Rows per transaction while seeding.
const BATCH: usize = 20_000;
/// The newest row's time; rows go back two years from here.
const NEWEST_UNIX: i64 = 1_795_000_000;
const SPAN_SECONDS: i64 = 2 * 365 * 24 * 3600;

const FIRST: [&str; 24] = [
    "Harbor",
    "Pine",
    "Summit",
    "Maple",
    "Riverside",
    "Granite",
    "Cedar",
    "Lakeside",
    "Northgate",
    "Oak",
    "Bluewater",
    "Redwood",
    "Sunrise",
    "Ironwood",
    "Meadow",
    "Copper",
    "Silver",
    "Hillcrest",
    "Westfield",
    "Eastside",
    "Brook",
    "Falcon",
    "Willow",
    "Keystone",
];
const SECOND: [&str; 20] = [
    "Dental",
    "Law",
    "Accounting",
    "Bakery",
    "Clinic",
    "Logistics",
    "Realty",
    "Architects",
    "Veterinary",
    "Pharmacy",
    "Construction",
    "Insurance",
    "Studio",
    "Auto Repair",
    "Fitness",
    "Printing",
    "Hotel",
    "Café",
    "Plumbing",
    "Nonprofit",
];
const SUFFIX: [&str; 6] = ["Ltd", "LLC", "& Co", "Group", "Partners", "Inc"];
const TAGS: [&str; 12] = [
    "follow-up",
    "hot-lead",
    "referral",
    "renewal",
    "hipaa",
    "multi-site",
    "partner",
    "nonprofit",
    "legal",
    "retail",
    "construction",
    "q3-campaign",
];
const NOTES: [&str; 10] = [
    "Called, left a voicemail with the office manager",
    "Sent the managed proposal; waiting on the owner",
    "Renewal of their current contract is due in March",
    "Asked about co-managed pricing for their IT person",
    "Needs help with a HIPAA risk assessment first",
    "Two sites, wants one firewall vendor across both",
    "Budget approved for next quarter",
    "Prefers pay as you go until the new office opens",
    "Ransomware scare last year, very keen on backups",
    "Referred by their accountant; warm lead",
];
const STATUSES: [(&str, u32); 6] = [
    ("new", 850),
    ("contacted", 60),
    ("proposal", 40),
    ("won", 20),
    ("lost", 20),
    ("closed", 10),
];
const FLAG_REASONS: [&str; 3] = [
    "honeypot field filled in",
    "sent 1.2 s after the form was served",
    "form timestamp not issued by this server",
];

fn pick<T: Copy>(rng: &mut Pcg64Mcg, all: &[T]) -> T {
    all[(rng.next_u32() as usize) % all.len()]
}

fn answers(rng: &mut Pcg64Mcg) -> Answers {
    let employees = match rng.next_u32() % 3 {
        0 => 1 + rng.next_u32() % 10,
        1 => 1 + rng.next_u32() % 80,
        _ => 1 + rng.next_u32() % 1_000,
    };
    Answers {
        company: None,
        employees,
        growth: pick(rng, Growth::ALL),
        it_reliance: pick(rng, Reliance::ALL),
        complexity: pick(rng, Complexity::ALL),
        incidents_per_month: f64::from(rng.next_u32() % 1_500) / 100.0,
        support_hours: pick(rng, SupportHours::ALL),
        security: pick(rng, Security::ALL),
        in_house_it: pick(rng, InHouseIt::ALL),
        budget: pick(rng, Budget::ALL),
        cost_preference: pick(rng, CostPreference::ALL),
        control: pick(rng, Control::ALL),
        hourly_rate: None,
        managed_fee_per_user: None,
        downtime_cost_per_hour: None,
        light_users: None,
    }
}

struct Template {
    answers: Answers,
    result: String,
    version: String,
    recommendation: &'static str,
    confidence: &'static str,
    score: f64,
}

fn templates(rng: &mut Pcg64Mcg) -> Vec<Template> {
    let rules = RuleSet::embedded();
    (0..TEMPLATES)
        .map(|_| {
            let answers = answers(rng);
            let outcome = assess(&answers, &rules);
            Template {
                result: serde_json::to_string(&outcome).expect("outcome serialises"),
                version: outcome.rules_version.clone(),
                recommendation: outcome.recommendation.code(),
                confidence: outcome.confidence.code(),
                score: outcome.score,
                answers,
            }
        })
        .collect()
}

fn company(rng: &mut Pcg64Mcg) -> Option<String> {
    (rng.next_u32() % 100 >= 15).then(|| {
        format!(
            "{} {} {}",
            pick(rng, &FIRST),
            pick(rng, &SECOND),
            pick(rng, &SUFFIX)
        )
    })
}

fn status(rng: &mut Pcg64Mcg) -> &'static str {
    let mut roll = rng.next_u32() % 1_000;
    for (s, weight) in STATUSES {
        if roll < weight {
            return s;
        }
        roll -= weight;
    }
    "new"
}

/// Skewed towards the first tags, as real tag use is.
fn tag(rng: &mut Pcg64Mcg) -> &'static str {
    let a = rng.next_u32() as usize % TAGS.len();
    let b = rng.next_u32() as usize % TAGS.len();
    TAGS[a.min(b)]
}

fn timestamp(unix: i64, millis: u32) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).expect("in range");
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    format!("{}.{millis:03}Z", t.format(&f).expect("formats"))
}

/// Fills an empty, migrated database at `url` with `rows` assessments.
pub async fn seed(url: &str, rows: usize) -> anyhow::Result<()> {
    let mut rng = Pcg64Mcg::seed_from_u64(1_000_000);
    let templates = templates(&mut rng);
    // Its own generator, so the leads leave every other column as it was before they existed.
    let mut leads_rng = Pcg64Mcg::seed_from_u64(2_000_000);
    let mut conn = SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await?;
    let step = SPAN_SECONDS as f64 / rows as f64;
    let oldest = NEWEST_UNIX - SPAN_SECONDS;
    for start in (0..rows).step_by(BATCH) {
        let mut tx = conn.begin().await?;
        for i in start..(start + BATCH).min(rows) {
            let t = &templates[rng.next_u32() as usize % templates.len()];
            let mut id = [0u8; 16];
            rng.fill_bytes(&mut id);
            let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id);
            let unix = oldest + (i as f64 * step) as i64;
            let created_at = timestamp(unix, rng.next_u32() % 1_000);
            let company = company(&mut rng);
            let answers = Answers {
                company: company.clone(),
                ..t.answers.clone()
            };
            let flagged = (rng.next_u32() % 100 < 3).then(|| pick(&mut rng, &FLAG_REASONS));
            let status = status(&mut rng);
            sqlx::query(
                "INSERT INTO assessments (id, created_at, rules_version, company, employees,
                    recommendation, confidence, score, answers, result, status, flagged)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&created_at)
            .bind(&t.version)
            .bind(&company)
            .bind(i64::from(t.answers.employees))
            .bind(t.recommendation)
            .bind(t.confidence)
            .bind(t.score)
            .bind(serde_json::to_string(&answers)?)
            .bind(&t.result)
            .bind(status)
            .bind(flagged)
            .execute(&mut *tx)
            .await?;
            let later =
                |rng: &mut Pcg64Mcg| timestamp(unix + i64::from(rng.next_u32() % 86_400), 0);
            if status != "new" {
                sqlx::query(
                    "INSERT INTO notes (assessment_id, author, kind, body, created_at)
                     VALUES (?, 'ana@msp.example', 'status', ?, ?)",
                )
                .bind(&id)
                .bind(format!("new → {status}"))
                .bind(later(&mut rng))
                .execute(&mut *tx)
                .await?;
            }
            if rng.next_u32() % 100 < 6 {
                for _ in 0..1 + rng.next_u32() % 3 {
                    sqlx::query(
                        "INSERT INTO notes (assessment_id, author, kind, body, created_at)
                         VALUES (?, 'ana@msp.example', 'note', ?, ?)",
                    )
                    .bind(&id)
                    .bind(pick(&mut rng, &NOTES))
                    .bind(later(&mut rng))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if leads_rng.next_u32() % 1_000 < 3 {
                sqlx::query(
                    "INSERT INTO leads (id, assessment_id, name, email, email_key, consent_text,
                                        consent_version, created_at, client_addr)
                     VALUES (?, ?, 'Pat Owner', 'pat@example.com', 'pat@example.com',
                             'You may email me my report.', 'v1', ?, '192.0.2.1')",
                )
                .bind(format!("lead-{id}"))
                .bind(&id)
                .bind(later(&mut leads_rng))
                .execute(&mut *tx)
                .await?;
            }
            if rng.next_u32() % 100 < 5 {
                for _ in 0..1 + rng.next_u32() % 2 {
                    sqlx::query("INSERT OR IGNORE INTO tags (assessment_id, tag) VALUES (?, ?)")
                        .bind(&id)
                        .bind(tag(&mut rng))
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(())
}
