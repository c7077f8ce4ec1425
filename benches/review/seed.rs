//! A realistic review database: real outcomes (a few hundred distinct answer sets, each scored by
//! the engine), spread over two years, with company names, statuses, flags, tags and notes in
//! the proportions a busy consultancy would see, and a lead (the owner asked for the report by
//! email) on about 3 in 1,000. Deterministic: the same seed gives the same file, and the same
//! rows on PostgreSQL.

use base64::Engine;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use servicefit::rules::answers::{
    Budget, Choice, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use servicefit::rules::{Answers, RuleSet, assess};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::time::Instant;
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

/// One note as the seed writes it.
struct Note {
    kind: &'static str,
    body: String,
    created_at: String,
}

/// One assessment and what hangs off it, as both backends store it.
struct Row {
    id: String,
    created_at: String,
    template: usize,
    company: Option<String>,
    answers: String,
    status: &'static str,
    flagged: Option<&'static str>,
    notes: Vec<Note>,
    /// The lead's `created_at`, when the assessment has one.
    lead: Option<String>,
    /// Distinct tags, in the order they were drawn.
    tags: Vec<&'static str>,
}

/// The rows in order; the same seed gives the same rows whichever backend stores them.
struct Rows {
    rng: Pcg64Mcg,
    // Its own generator, so the leads leave every other column as it was before they existed.
    leads_rng: Pcg64Mcg,
    templates: Vec<Template>,
    step: f64,
    oldest: i64,
}

impl Rows {
    fn new(rows: usize) -> Rows {
        let mut rng = Pcg64Mcg::seed_from_u64(1_000_000);
        let templates = templates(&mut rng);
        Rows {
            rng,
            leads_rng: Pcg64Mcg::seed_from_u64(2_000_000),
            templates,
            step: SPAN_SECONDS as f64 / rows as f64,
            oldest: NEWEST_UNIX - SPAN_SECONDS,
        }
    }

    /// Row `i`; rows must be drawn in order.
    fn row(&mut self, i: usize) -> anyhow::Result<Row> {
        let rng = &mut self.rng;
        let template = rng.next_u32() as usize % self.templates.len();
        let t = &self.templates[template];
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id);
        let unix = self.oldest + (i as f64 * self.step) as i64;
        let created_at = timestamp(unix, rng.next_u32() % 1_000);
        let company = company(rng);
        let answers = serde_json::to_string(&Answers {
            company: company.clone(),
            ..t.answers.clone()
        })?;
        let flagged = (rng.next_u32() % 100 < 3).then(|| pick(rng, &FLAG_REASONS));
        let status = status(rng);
        let later = |rng: &mut Pcg64Mcg| timestamp(unix + i64::from(rng.next_u32() % 86_400), 0);
        let mut notes = Vec::new();
        if status != "new" {
            notes.push(Note {
                kind: "status",
                body: format!("new → {status}"),
                created_at: later(rng),
            });
        }
        if rng.next_u32() % 100 < 6 {
            for _ in 0..1 + rng.next_u32() % 3 {
                let body = pick(rng, &NOTES).to_owned();
                notes.push(Note {
                    kind: "note",
                    body,
                    created_at: later(rng),
                });
            }
        }
        let lead = (self.leads_rng.next_u32() % 1_000 < 3).then(|| later(&mut self.leads_rng));
        let mut tags = Vec::new();
        if rng.next_u32() % 100 < 5 {
            for _ in 0..1 + rng.next_u32() % 2 {
                let tag = tag(rng);
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        Ok(Row {
            id,
            created_at,
            template,
            company,
            answers,
            status,
            flagged,
            notes,
            lead,
            tags,
        })
    }
}

/// Fills an empty, migrated database at `url` (SQLite or PostgreSQL) with `rows` assessments.
pub async fn seed(url: &str, rows: usize) -> anyhow::Result<()> {
    if servicefit::db::is_postgres_url(url) {
        seed_postgres(url, rows).await
    } else {
        seed_sqlite(url, rows).await
    }
}

async fn seed_sqlite(url: &str, rows: usize) -> anyhow::Result<()> {
    let mut source = Rows::new(rows);
    let mut conn = SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await?;
    for start in (0..rows).step_by(BATCH) {
        let mut tx = conn.begin().await?;
        for i in start..(start + BATCH).min(rows) {
            let r = source.row(i)?;
            let t = &source.templates[r.template];
            sqlx::query(
                "INSERT INTO assessments (id, created_at, rules_version, company, employees,
                    recommendation, confidence, score, answers, result, status, flagged)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&r.id)
            .bind(&r.created_at)
            .bind(&t.version)
            .bind(&r.company)
            .bind(i64::from(t.answers.employees))
            .bind(t.recommendation)
            .bind(t.confidence)
            .bind(t.score)
            .bind(&r.answers)
            .bind(&t.result)
            .bind(r.status)
            .bind(r.flagged)
            .execute(&mut *tx)
            .await?;
            for note in &r.notes {
                sqlx::query(
                    "INSERT INTO notes (assessment_id, author, kind, body, created_at)
                     VALUES (?, 'ana@msp.example', ?, ?, ?)",
                )
                .bind(&r.id)
                .bind(note.kind)
                .bind(&note.body)
                .bind(&note.created_at)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(created_at) = &r.lead {
                sqlx::query(
                    "INSERT INTO leads (id, assessment_id, name, email, email_key, consent_text,
                                        consent_version, created_at, client_addr)
                     VALUES (?, ?, 'Pat Owner', 'pat@example.com', 'pat@example.com',
                             'You may email me my report.', 'v1', ?, '192.0.2.1')",
                )
                .bind(format!("lead-{}", r.id))
                .bind(&r.id)
                .bind(created_at)
                .execute(&mut *tx)
                .await?;
            }
            for tag in &r.tags {
                sqlx::query("INSERT OR IGNORE INTO tags (assessment_id, tag) VALUES (?, ?)")
                    .bind(&r.id)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Rows per statement on PostgreSQL: each table's rows of a batch go in one multi-row INSERT
/// (arrays unnested), and the migrations' triggers fill `review_list` and `search_docs` as they
/// do for the server's own inserts.
const PG_BATCH: usize = 10_000;

async fn seed_postgres(url: &str, rows: usize) -> anyhow::Result<()> {
    let mut source = Rows::new(rows);
    let mut conn = PgConnection::connect(url).await?;
    sqlx::query("SET synchronous_commit = off")
        .execute(&mut conn)
        .await?;
    let progress = Instant::now();
    for start in (0..rows).step_by(PG_BATCH) {
        let mut a = PgAssessments::default();
        let (mut n_id, mut n_kind, mut n_body, mut n_at) = (vec![], vec![], vec![], vec![]);
        let (mut l_id, mut l_assessment, mut l_at) = (vec![], vec![], vec![]);
        let (mut t_id, mut t_tag) = (vec![], vec![]);
        for i in start..(start + PG_BATCH).min(rows) {
            let r = source.row(i)?;
            let t = &source.templates[r.template];
            for note in r.notes {
                n_id.push(r.id.clone());
                n_kind.push(note.kind);
                n_body.push(note.body);
                n_at.push(note.created_at);
            }
            if let Some(created_at) = r.lead {
                l_id.push(format!("lead-{}", r.id));
                l_assessment.push(r.id.clone());
                l_at.push(created_at);
            }
            for tag in r.tags {
                t_id.push(r.id.clone());
                t_tag.push(tag);
            }
            a.id.push(r.id);
            a.created_at.push(r.created_at);
            a.version.push(t.version.clone());
            a.company.push(r.company);
            a.employees.push(i64::from(t.answers.employees));
            a.recommendation.push(t.recommendation);
            a.confidence.push(t.confidence);
            a.score.push(t.score);
            a.answers.push(r.answers);
            a.result.push(t.result.clone());
            a.status.push(r.status);
            a.flagged.push(r.flagged);
        }
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO assessments (id, created_at, rules_version, company, employees,
                recommendation, confidence, score, answers, result, status, flagged)
             SELECT id, created_at, rules_version, company, employees, recommendation,
                    confidence, score, answers, result, status, flagged
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[],
                         $7::text[], $8::float8[], $9::text[], $10::text[], $11::text[],
                         $12::text[])
                  WITH ORDINALITY AS r (id, created_at, rules_version, company, employees,
                       recommendation, confidence, score, answers, result, status, flagged, n)
             ORDER BY n",
        )
        .bind(a.id)
        .bind(a.created_at)
        .bind(a.version)
        .bind(a.company)
        .bind(a.employees)
        .bind(a.recommendation)
        .bind(a.confidence)
        .bind(a.score)
        .bind(a.answers)
        .bind(a.result)
        .bind(a.status)
        .bind(a.flagged)
        .execute(&mut *tx)
        .await?;
        // In the order drawn, so ids (and the list's note text) run as on SQLite.
        sqlx::query(
            "INSERT INTO notes (assessment_id, author, kind, body, created_at)
             SELECT assessment_id, 'ana@msp.example', kind, body, created_at
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
                  WITH ORDINALITY AS r (assessment_id, kind, body, created_at, n)
             ORDER BY n",
        )
        .bind(n_id)
        .bind(n_kind)
        .bind(n_body)
        .bind(n_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO leads (id, assessment_id, name, email, email_key, consent_text,
                                consent_version, created_at, client_addr)
             SELECT id, assessment_id, 'Pat Owner', 'pat@example.com', 'pat@example.com',
                    'You may email me my report.', 'v1', created_at, '192.0.2.1'
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS r (id, assessment_id, created_at)",
        )
        .bind(l_id)
        .bind(l_assessment)
        .bind(l_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO tags (assessment_id, tag)
             SELECT assessment_id, tag FROM UNNEST($1::text[], $2::text[]) AS r (assessment_id, tag)",
        )
        .bind(t_id)
        .bind(t_tag)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let done = (start + PG_BATCH).min(rows);
        if done.is_multiple_of(100_000) || done == rows {
            eprintln!("seeded {done} of {rows} in {:.0?}", progress.elapsed());
        }
    }
    // Index-only scans need the visibility map that VACUUM sets, and the planner the
    // statistics ANALYZE gathers; autovacuum would get there, but later.
    sqlx::query("VACUUM (ANALYZE) assessments, notes, tags, leads, search_docs, review_list")
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// One batch of assessments, a column each, for `UNNEST`.
#[derive(Default)]
struct PgAssessments {
    id: Vec<String>,
    created_at: Vec<String>,
    version: Vec<String>,
    company: Vec<Option<String>>,
    employees: Vec<i64>,
    recommendation: Vec<&'static str>,
    confidence: Vec<&'static str>,
    score: Vec<f64>,
    answers: Vec<String>,
    result: Vec<String>,
    status: Vec<&'static str>,
    flagged: Vec<Option<&'static str>>,
}
