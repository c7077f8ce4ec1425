//! `servicefit copy-database`: every row of one database copied into another, SQLite or
//! PostgreSQL either way, value for value.
//!
//! The source is read in one snapshot, table by table in foreign-key order, a batch at a time
//! (keyset over the primary key); the target is written in one transaction, so a failure leaves
//! it as empty as it was. Not copied: `sessions` (consultants sign in again), `write_probe`, and
//! what the target's triggers rebuild from the copied rows as they arrive (`review_list`,
//! `search_docs` and SQLite's FTS index over it).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use sqlx::{AssertSqlSafe, QueryBuilder, Row};

use super::{Backend, Db, Tx, on_pool, on_tx};

/// How a column's values are read and written: the same Rust type on both backends.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Text,
    Int,
    Real,
    Blob,
}

/// How a table is walked in batches.
#[derive(Clone, Copy, Debug)]
enum Key {
    /// A unique key: each batch starts after the last row of the one before.
    Unique(&'static [&'static str]),
    /// No unique key (`login_failures`): ordered by these columns, batches by offset. Only
    /// small tables have none.
    Offset(&'static [&'static str]),
}

/// One table the copy carries over.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    columns: &'static [(&'static str, Kind)],
    key: Key,
    /// The identity column whose PostgreSQL sequence must move past the copied ids.
    identity: Option<&'static str>,
}

impl Table {
    /// The names of the columns copied, in order.
    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(name, _)| *name)
    }
}

use Kind::{Blob, Int, Real, Text};

/// The tables copied, parents before children. `erased_assessments.rowid` is SQLite's implicit
/// rowid and PostgreSQL's column of that name: copied so tombstones keep their order.
pub const TABLES: &[Table] = &[
    Table {
        name: "assessments",
        columns: &[
            ("id", Text),
            ("created_at", Text),
            ("rules_version", Text),
            ("company", Text),
            ("employees", Int),
            ("recommendation", Text),
            ("confidence", Text),
            ("score", Real),
            ("answers", Text),
            ("result", Text),
            ("status", Text),
            ("flagged", Text),
            ("delete_token_hash", Blob),
        ],
        key: Key::Unique(&["id"]),
        identity: None,
    },
    Table {
        name: "consultants",
        columns: &[
            ("id", Int),
            ("email", Text),
            ("password_hash", Text),
            ("created_at", Text),
            ("session_epoch", Int),
        ],
        key: Key::Unique(&["id"]),
        identity: Some("id"),
    },
    // In id order, as written: the list's note text is the notes joined in that order.
    Table {
        name: "notes",
        columns: &[
            ("id", Int),
            ("assessment_id", Text),
            ("author", Text),
            ("kind", Text),
            ("body", Text),
            ("created_at", Text),
        ],
        key: Key::Unique(&["id"]),
        identity: Some("id"),
    },
    Table {
        name: "tags",
        columns: &[("assessment_id", Text), ("tag", Text)],
        key: Key::Unique(&["assessment_id", "tag"]),
        identity: None,
    },
    Table {
        name: "idempotency_keys",
        columns: &[
            ("key", Text),
            ("body_hash", Blob),
            ("assessment_id", Text),
            ("created_at", Text),
        ],
        key: Key::Unique(&["key"]),
        identity: None,
    },
    Table {
        name: "leads",
        columns: &[
            ("id", Text),
            ("assessment_id", Text),
            ("name", Text),
            ("email", Text),
            ("email_key", Text),
            ("consent_text", Text),
            ("consent_version", Text),
            ("created_at", Text),
            ("client_addr", Text),
        ],
        key: Key::Unique(&["id"]),
        identity: None,
    },
    Table {
        name: "mail_outbox",
        columns: &[
            ("id", Text),
            ("lead_id", Text),
            ("recipient", Text),
            ("subject", Text),
            ("text_body", Text),
            ("html_body", Text),
            ("created_at", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("sent_at", Text),
            ("failed_at", Text),
            ("claimed_until_ms", Int),
        ],
        key: Key::Unique(&["id"]),
        identity: None,
    },
    Table {
        name: "mail_deliveries",
        columns: &[
            ("id", Int),
            ("message_id", Text),
            ("attempt", Int),
            ("attempted_at", Text),
            ("server", Text),
            ("code", Int),
            ("error", Text),
            ("duration_ms", Int),
        ],
        key: Key::Unique(&["id"]),
        identity: Some("id"),
    },
    Table {
        name: "webhook_outbox",
        columns: &[
            ("id", Text),
            ("event_type", Text),
            ("payload", Text),
            ("created_at", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("delivered_at", Text),
            ("failed_at", Text),
            ("assessment_id", Text),
            ("claimed_until_ms", Int),
        ],
        key: Key::Unique(&["id"]),
        identity: None,
    },
    Table {
        name: "webhook_deliveries",
        columns: &[
            ("id", Int),
            ("message_id", Text),
            ("attempt", Int),
            ("attempted_at", Text),
            ("url", Text),
            ("status", Int),
            ("error", Text),
            ("duration_ms", Int),
        ],
        key: Key::Unique(&["id"]),
        identity: Some("id"),
    },
    Table {
        name: "erased_assessments",
        columns: &[("id", Text), ("erased_at", Text), ("rowid", Int)],
        key: Key::Unique(&["rowid"]),
        identity: Some("rowid"),
    },
    Table {
        name: "settings",
        columns: &[("name", Text), ("value", Blob)],
        key: Key::Unique(&["name"]),
        identity: None,
    },
    Table {
        name: "login_failures",
        columns: &[("key", Text), ("at", Int)],
        key: Key::Offset(&["key", "at"]),
        identity: None,
    },
    Table {
        name: "rate_limits",
        columns: &[("key", Text), ("tat_ms", Int)],
        key: Key::Unique(&["key"]),
        identity: None,
    },
    Table {
        name: "periodic_runs",
        columns: &[("name", Text), ("last_run_ms", Int)],
        key: Key::Unique(&["name"]),
        identity: None,
    },
];

/// Tables left out on purpose: sessions (consultants sign in again), the readiness probe's
/// scratch table, the trigger-kept copies, and sqlx's own record of migrations (the target's
/// are applied when it is opened). SQLite's FTS index and its shadow tables (`search_index*`)
/// are left out too.
pub const NOT_COPIED: &[&str] = &[
    "sessions",
    "write_probe",
    "review_list",
    "search_docs",
    "_sqlx_migrations",
];

/// Rows per INSERT: 1,000, or fewer when a row has many columns (SQLite takes at most 32,766
/// bound values a statement).
fn batch_rows(table: &Table) -> usize {
    (30_000 / table.columns.len()).min(1_000)
}

/// One value, as read from either backend.
#[derive(Clone, Debug)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Blob(Option<Vec<u8>>),
}

/// Binds a [`Value`] to a query or a row of a [`QueryBuilder`] with `$bind`.
macro_rules! bind_value {
    ($target:expr, $bind:ident, $value:expr) => {
        match $value {
            Value::Text(v) => $target.$bind(v),
            Value::Int(v) => $target.$bind(v),
            Value::Real(v) => $target.$bind(v),
            Value::Blob(v) => $target.$bind(v),
        }
    };
}

/// Where a copy stands, for the progress line: table, rows copied, rows in all.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// Copies every table of [`TABLES`] from `from` into `to`. Refuses, writing nothing, when
/// `from` lacks migrations of this build or has newer ones, when either schema has a table or
/// column the copy does not know, or when `to` already holds rows. Returns the rows copied per
/// table.
pub async fn copy_database(
    from: &Db,
    to: &Db,
    progress: Progress<'_>,
) -> anyhow::Result<Vec<(&'static str, u64)>> {
    check_migrations(from).await?;
    check_schema(from, "source").await?;
    check_schema(to, "target").await?;

    let mut source = from.begin().await?;
    if let Tx::Postgres(tx) = &mut source {
        // One snapshot for every table, so the copy is consistent even if something writes.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut **tx)
            .await?;
    }
    let mut target = to.begin_write().await?;

    let held = count_rows(&mut target).await?;
    let held: Vec<String> = held
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{} {table}", thousands(n)))
        .collect();
    anyhow::ensure!(
        held.is_empty(),
        "the target database is not empty: {}; copy into an empty database (nothing was written)",
        held.join(", ")
    );

    let totals = count_rows(&mut source).await?;
    let mut copied = Vec::new();
    for (table, total) in TABLES.iter().zip(totals) {
        let (_, total) = total;
        let n = copy_table(&mut source, &mut target, table, total, progress)
            .await
            .with_context(|| format!("copying {}; nothing was written", table.name))?;
        copied.push((table.name, n));
    }
    if let Tx::Postgres(tx) = &mut target {
        // Ids were given explicitly: the identity sequences must start after them, or the next
        // note (consultant, delivery, tombstone) would collide.
        for table in TABLES {
            if let Some(column) = table.identity {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                     coalesce(max({column}), 0) + 1, false) FROM {table}",
                    table = table.name,
                );
                sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
            }
        }
    }
    check_rebuilt(&mut target).await?;
    target
        .commit()
        .await
        .context("committing the copy; nothing was written")?;
    source.rollback().await?;
    Ok(copied)
}

/// Rows in each of [`TABLES`], in its order.
async fn count_rows(tx: &mut Tx<'_>) -> sqlx::Result<Vec<(&'static str, u64)>> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let sql = format!("SELECT count(*) FROM {}", table.name);
        let n: i64 = on_tx!(tx, conn => sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?);
        counts.push((table.name, n.max(0) as u64));
    }
    Ok(counts)
}

async fn copy_table(
    source: &mut Tx<'_>,
    target: &mut Tx<'_>,
    table: &Table,
    total: u64,
    progress: Progress<'_>,
) -> anyhow::Result<u64> {
    let columns = table.columns().collect::<Vec<_>>().join(", ");
    let limit = batch_rows(table);
    let (key, unique) = match table.key {
        Key::Unique(key) => (key, true),
        Key::Offset(key) => (key, false),
    };
    let key_at: Vec<usize> = key
        .iter()
        .map(|k| table.columns().position(|c| c == *k).expect("key column"))
        .collect();
    let order = key.join(", ");
    let mut after: Option<Vec<Value>> = None;
    let mut done = 0u64;
    progress(table.name, 0, total);
    loop {
        let sql = match (&after, unique) {
            (None, _) | (Some(_), false) => {
                let offset = if unique { 0 } else { done };
                format!(
                    "SELECT {columns} FROM {} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
                    table.name
                )
            }
            (Some(_), true) => {
                let params: Vec<String> = (1..=key.len()).map(|i| format!("${i}")).collect();
                format!(
                    "SELECT {columns} FROM {} WHERE ({order}) > ({}) ORDER BY {order} LIMIT {limit}",
                    table.name,
                    params.join(", ")
                )
            }
        };
        let bound = if unique { after.clone() } else { None };
        let rows: Vec<Vec<Value>> = on_tx!(source, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for value in bound.into_iter().flatten() {
                query = bind_value!(query, bind, value);
            }
            let mut rows = Vec::new();
            for row in query.fetch_all(&mut *conn).await? {
                let mut values = Vec::with_capacity(table.columns.len());
                for (i, (_, kind)) in table.columns.iter().enumerate() {
                    values.push(match kind {
                        Kind::Text => Value::Text(row.try_get(i)?),
                        Kind::Int => Value::Int(row.try_get(i)?),
                        Kind::Real => Value::Real(row.try_get(i)?),
                        Kind::Blob => Value::Blob(row.try_get(i)?),
                    });
                }
                rows.push(values);
            }
            rows
        });
        if rows.is_empty() {
            break;
        }
        let last = rows.last().expect("a row");
        after = Some(key_at.iter().map(|&i| last[i].clone()).collect());
        let n = rows.len();
        on_tx!(target, conn => {
            let mut insert = QueryBuilder::new(format!("INSERT INTO {} ({columns}) ", table.name));
            insert.push_values(rows, |mut row, values| {
                for value in values {
                    bind_value!(row, push_bind, value);
                }
            });
            // Each batch size is its own statement text: not worth a prepared copy.
            insert.build().persistent(false).execute(&mut *conn).await?;
        });
        done += n as u64;
        progress(table.name, done, total);
        if n < limit {
            break;
        }
    }
    Ok(done)
}

/// Refuses a source whose applied migrations are not exactly this build's: its tables would
/// not be the ones the copy reads.
async fn check_migrations(db: &Db) -> anyhow::Result<()> {
    let applied: Vec<(i64, bool)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT version, success FROM _sqlx_migrations ORDER BY version"
    )
    .fetch_all(pool)
    .await)
    .map_err(|_| {
        anyhow::anyhow!(
            "the source database has no servicefit migrations: it is not a servicefit \
             database, or servicefit never started on it; nothing was copied"
        )
    })?;
    let applied: BTreeSet<i64> = applied
        .into_iter()
        .filter(|(_, success)| *success)
        .map(|(version, _)| version)
        .collect();
    let known: BTreeSet<i64> = Db::migrator(db.backend())
        .iter()
        .map(|m| m.version)
        .collect();
    let missing: Vec<String> = known.difference(&applied).map(i64::to_string).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the source database lacks {} migration(s) of this servicefit ({}): start this version \
         of servicefit on it once (it applies them at start), stop it, then copy again; \
         nothing was copied",
        missing.len(),
        missing.join(", ")
    );
    let newer: Vec<String> = applied.difference(&known).map(i64::to_string).collect();
    anyhow::ensure!(
        newer.is_empty(),
        "the source database has migrations this servicefit does not know ({}): it was written \
         by a newer version; copy with that version; nothing was copied",
        newer.join(", ")
    );
    Ok(())
}

/// Refuses when the tables of `db` are not exactly [`TABLES`] and [`NOT_COPIED`] with the
/// columns listed there: a table or column added by a migration but not here would otherwise
/// be left behind without a word.
async fn check_schema(db: &Db, which: &str) -> anyhow::Result<()> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND m.name NOT LIKE 'search\\_index%' ESCAPE '\\'",
            )
            .fetch_all(pool)
            .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await?
        }
    };
    let mut schema: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        schema.entry(table).or_default().insert(column);
    }
    if db.backend() == Backend::Sqlite {
        // SQLite's implicit rowid, which the copy reads and writes by name.
        if let Some(columns) = schema.get_mut("erased_assessments") {
            columns.insert("rowid".to_owned());
        }
    }
    let mut problems = Vec::new();
    for table in TABLES {
        let listed: BTreeSet<String> = table.columns().map(str::to_owned).collect();
        match schema.remove(table.name) {
            None => problems.push(format!("no table {}", table.name)),
            Some(columns) if columns != listed => problems.push(format!(
                "{} has columns {} where the copy expects {}",
                table.name,
                columns.into_iter().collect::<Vec<_>>().join(", "),
                table.columns().collect::<Vec<_>>().join(", ")
            )),
            Some(_) => {}
        }
    }
    for table in NOT_COPIED {
        schema.remove(*table);
    }
    for table in schema.keys() {
        problems.push(format!("a table {table} the copy does not know"));
    }
    anyhow::ensure!(
        problems.is_empty(),
        "the {which} database's tables are not the ones this servicefit copies ({}); \
         nothing was copied. If both databases were made by this version, this is a bug in \
         copy-database: please report it",
        problems.join("; ")
    );
    Ok(())
}

/// The trigger-kept copies must be whole after the copy: one list row per assessment, and one
/// search document per company and note, as the triggers write them.
async fn check_rebuilt(target: &mut Tx<'_>) -> anyhow::Result<()> {
    let (assessments, listed, searchable, documents): (i64, i64, i64, i64) = on_tx!(target, conn => sqlx::query_as(
            "SELECT (SELECT count(*) FROM assessments), (SELECT count(*) FROM review_list), \
                    (SELECT count(*) FROM assessments WHERE company IS NOT NULL AND company <> '') \
                    + (SELECT count(*) FROM notes WHERE kind = 'note'), \
                    (SELECT count(*) FROM search_docs)",
        )
        .fetch_one(&mut *conn)
        .await?);
    anyhow::ensure!(
        assessments == listed && searchable == documents,
        "after the copy the target's review list has {listed} rows for {assessments} \
         assessments and its search {documents} documents for {searchable} texts; \
         nothing was written. This is a bug in copy-database: please report it"
    );
    Ok(())
}

/// `n` with a comma every three digits: 250,000.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(250_000), "250,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
