//! The review list's SQL, assembled from fixed fragments. Every value a consultant sends is
//! bound, never formatted into the text; what is formatted in is chosen from constants here.

use sqlx::query::QueryAs;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, FromRow, Sqlite};

use super::{Cursor, Filter, Sort};

/// Separates the note texts in `review_list.note_text` and wraps each tag in `tag_list`.
const SEPARATOR: char = '\u{1f}';

/// The listed columns, for a query over `review_list a`.
pub(super) const LIST_COLUMNS: &str = "a.id, a.created_at, a.company, a.employees, \
    a.recommendation, a.confidence, a.score, a.status, a.flagged, a.lead_count";

/// The listed columns plus those only tested, for a walk's inner query.
pub(super) const WALK_COLUMNS: &str = "a.id, a.created_at, a.company, a.employees, \
    a.recommendation, a.confidence, a.score, a.status, a.flagged, a.lead_count, a.note_text, \
    a.tag_list";

/// A value to bind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(String),
    Real(f64),
    Int(i64),
}

/// SQL text and the values for its placeholders, in order.
#[derive(Debug, Default)]
pub(super) struct Sql {
    text: String,
    binds: Vec<Value>,
}

impl Sql {
    pub(super) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends `text`, whose placeholders take `values`.
    pub(super) fn push_bound(
        &mut self,
        text: &str,
        values: impl IntoIterator<Item = Value>,
    ) -> &mut Self {
        self.text.push_str(text);
        self.binds.extend(values);
        self
    }

    /// Appends another fragment with its values.
    pub(super) fn append(&mut self, other: &Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    fn arguments(&self) -> sqlx::Result<SqliteArguments> {
        let mut args = SqliteArguments::default();
        for v in &self.binds {
            match v {
                Value::Text(s) => args.add(s.clone()),
                Value::Real(r) => args.add(*r),
                Value::Int(i) => args.add(*i),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    /// The query, mapping each row to `T`.
    fn query_as<T>(&self) -> sqlx::Result<QueryAs<'static, Sqlite, T, SqliteArguments>>
    where
        T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>,
    {
        Ok(sqlx::query_as_with(
            AssertSqlSafe(self.text.clone()),
            self.arguments()?,
        ))
    }

    /// Runs the query and collects its rows.
    pub(super) async fn fetch_all<'c, T, E>(&self, executor: E) -> sqlx::Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
        E: sqlx::Executor<'c, Database = Sqlite>,
    {
        self.query_as()?.fetch_all(executor).await
    }

    /// Runs the query for its first row, if any.
    pub(super) async fn fetch_optional<'c, T, E>(&self, executor: E) -> sqlx::Result<Option<T>>
    where
        T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
        E: sqlx::Executor<'c, Database = Sqlite>,
    {
        self.query_as()?.fetch_optional(executor).await
    }

    /// Runs a query that gives one integer.
    pub(super) async fn fetch_count<'c, E>(&self, executor: E) -> sqlx::Result<i64>
    where
        E: sqlx::Executor<'c, Database = Sqlite>,
    {
        sqlx::query_scalar_with(AssertSqlSafe(self.text.clone()), self.arguments()?)
            .fetch_one(executor)
            .await
    }

    /// The text and the values as text, for the export's streaming query (over `assessments`,
    /// whose bound values are all text).
    pub(super) fn into_text_binds(self) -> (String, Vec<String>) {
        let binds = self
            .binds
            .into_iter()
            .map(|v| match v {
                Value::Text(s) => s,
                Value::Real(r) => r.to_string(),
                Value::Int(i) => i.to_string(),
            })
            .collect();
        (self.text, binds)
    }
}

/// Escapes LIKE wildcards so a search for "50%" finds "50%".
pub(super) fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Which filters the row tests leave out because the query's driving set already applies them.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Applied {
    pub(super) q: bool,
    pub(super) tag: bool,
    pub(super) lead: bool,
}

/// Appends ` AND <test>` for the filters that are plain column tests, the same on `review_list`
/// and on `assessments`: verdict, dates, status, flagged.
fn column_tests(f: &Filter, sql: &mut Sql) {
    if let Some(r) = &f.recommendation {
        sql.push_bound(" AND a.recommendation = ?", [Value::Text(r.clone())]);
    }
    if let Some(from) = &f.from {
        sql.push_bound(" AND a.created_at >= ?", [Value::Text(from.clone())]);
    }
    if let Some(to) = &f.to_before {
        sql.push_bound(" AND a.created_at < ?", [Value::Text(to.clone())]);
    }
    if let Some(s) = &f.status {
        sql.push_bound(" AND a.status = ?", [Value::Text(s.clone())]);
    }
    match f.flagged {
        Some(true) => {
            sql.push(" AND a.flagged IS NOT NULL");
        }
        Some(false) => {
            sql.push(" AND a.flagged IS NULL");
        }
        None => {}
    }
}

/// Appends ` AND <test>` for every filter of `f` not already applied, cheapest first (the text
/// search's LIKE last, so it only reads the entries that pass the rest), as tests on one
/// `review_list a` row (its own columns only, except for a q or tag that holds the separator,
/// which is tested against `notes` or `tags`: their joined copies could not answer it exactly).
pub(super) fn row_tests(f: &Filter, applied: Applied, sql: &mut Sql) {
    column_tests(f, sql);
    if f.has_lead && !applied.lead {
        sql.push(" AND a.lead_count > 0");
    }
    if let Some(t) = f.tag.as_deref().filter(|_| !applied.tag) {
        if t.contains(SEPARATOR) {
            sql.push_bound(
                " AND EXISTS (SELECT 1 FROM tags t WHERE t.assessment_id = a.id AND t.tag = ?)",
                [Value::Text(t.to_owned())],
            );
        } else {
            sql.push_bound(
                " AND instr(a.tag_list, ?) > 0",
                [Value::Text(format!("{SEPARATOR}{t}{SEPARATOR}"))],
            );
        }
    }
    if let Some(q) = f.q.as_deref().filter(|_| !applied.q) {
        let p = like_pattern(q);
        let notes = if q.contains(SEPARATOR) {
            "EXISTS (SELECT 1 FROM notes n WHERE n.assessment_id = a.id AND n.kind = 'note' \
             AND n.body LIKE ? ESCAPE '\\')"
        } else {
            "a.note_text LIKE ? ESCAPE '\\'"
        };
        sql.push_bound(
            " AND (a.company LIKE ? ESCAPE '\\' OR ",
            [Value::Text(p.clone())],
        );
        sql.push_bound(notes, [Value::Text(p)]).push(")");
    }
}

impl Sort {
    /// The ORDER BY clause over `a`.
    pub(super) fn order_by(self) -> &'static str {
        match self {
            Sort::NewestFirst => " ORDER BY a.created_at DESC, a.id DESC",
            Sort::OldestFirst => " ORDER BY a.created_at ASC, a.id ASC",
            Sort::HighestScore => " ORDER BY a.score DESC, a.id DESC",
            Sort::LowestScore => " ORDER BY a.score ASC, a.id ASC",
        }
    }

    /// ` AND` the rows after `c` in this order.
    pub(super) fn after(self, c: &Cursor, sql: &mut Sql) {
        let op = if self.is_ascending() { ">" } else { "<" };
        let text = match self.is_by_score() {
            true => format!(" AND (a.score, a.id) {op} (?, ?)"),
            false => format!(" AND (a.created_at, a.id) {op} (?, ?)"),
        };
        sql.push_bound(&text, [self.key_value(&c.value), Value::Text(c.id.clone())]);
    }

    /// A cursor's sort value as its column holds it.
    pub(super) fn key_value(self, value: &str) -> Value {
        if self.is_by_score() {
            Value::Real(value.parse::<f64>().unwrap_or(0.0))
        } else {
            Value::Text(value.to_owned())
        }
    }

    pub(super) fn is_by_score(self) -> bool {
        matches!(self, Sort::HighestScore | Sort::LowestScore)
    }

    pub(super) fn is_ascending(self) -> bool {
        matches!(self, Sort::OldestFirst | Sort::LowestScore)
    }
}

/// The export's selection over the full rows of `assessments`, newest first, in the plain
/// form (each filter a test of its own; the export walks every match anyway).
pub(super) fn export_selection(f: &Filter, sql: &mut Sql) {
    sql.push(" FROM assessments a WHERE 1 = 1");
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        sql.push_bound(
            " AND (a.company LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM notes n \
             WHERE n.assessment_id = a.id AND n.kind = 'note' AND n.body LIKE ? ESCAPE '\\'))",
            [Value::Text(p.clone()), Value::Text(p)],
        );
    }
    column_tests(f, sql);
    if let Some(t) = &f.tag {
        sql.push_bound(
            " AND EXISTS (SELECT 1 FROM tags t WHERE t.assessment_id = a.id AND t.tag = ?)",
            [Value::Text(t.clone())],
        );
    }
    if f.has_lead {
        sql.push(" AND EXISTS (SELECT 1 FROM leads l WHERE l.assessment_id = a.id)");
    }
    sql.push(Sort::NewestFirst.order_by());
}
