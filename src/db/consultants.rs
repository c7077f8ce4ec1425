//! Consultant accounts, sign-in throttling and the session store.

use sqlx::{FromRow, SqlitePool};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// A consultant account as the sign-in needs it.
#[derive(Debug, Clone, FromRow)]
pub struct Consultant {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: String,
    /// Moves on with every password change; sessions from an earlier epoch are ended.
    pub session_epoch: i64,
}

/// Adds an account; `Ok(false)` when the email is already taken.
pub async fn insert_consultant(
    pool: &SqlitePool,
    email: &str,
    hash: &str,
    now: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO consultants (email, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(hash)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_consultant_by_email(
    pool: &SqlitePool,
    email: &str,
) -> sqlx::Result<Option<Consultant>> {
    sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch
         FROM consultants WHERE email = ?",
    )
    .bind(email)
    .fetch_optional(pool)
    .await
}

pub async fn find_consultant(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Consultant>> {
    sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch FROM consultants WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn list_consultants(pool: &SqlitePool) -> sqlx::Result<Vec<Consultant>> {
    sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch
         FROM consultants ORDER BY email",
    )
    .fetch_all(pool)
    .await
}

/// Removes an account and every session it holds; `Ok(false)` when there was none.
pub async fn delete_consultant(pool: &SqlitePool, email: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM consultants WHERE email = ?")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a new password hash and ends every session of the account; `Ok(false)` when there is
/// no account.
pub async fn set_password_hash(pool: &SqlitePool, email: &str, hash: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE consultants SET password_hash = ?, session_epoch = session_epoch + 1
         WHERE email = ?",
    )
    .bind(hash)
    .bind(email)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed sign-in for each key and forgets failures older than `since`.
pub async fn record_login_failure(
    pool: &SqlitePool,
    keys: &[&str],
    now: i64,
    since: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE at < ?")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    for key in keys {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES (?, ?)")
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Failures for `key` since `since`, and the oldest of them (to say when the block lifts).
pub async fn login_failures_since(
    pool: &SqlitePool,
    key: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ? AND at >= ?")
        .bind(key)
        .bind(since)
        .fetch_one(pool)
        .await
}

pub async fn clear_login_failures(pool: &SqlitePool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE key = ?")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// tower-sessions' store over the project's own pool, so sessions live in the same SQLite file
/// and the project needs only one sqlx version (the published sqlx store is on an older one).
#[derive(Debug, Clone)]
pub struct SqliteSessionStore {
    pool: SqlitePool,
}

impl SqliteSessionStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Deletes expired sessions; run now and then.
    pub async fn delete_expired(&self) -> sqlx::Result<u64> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        Ok(sqlx::query("DELETE FROM sessions WHERE expiry_date < ?")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for SqliteSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A new id must not take over an existing session: retry on the (astronomically rare) clash.
        loop {
            let done = sqlx::query("INSERT INTO sessions (id, data, expiry_date) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(&data)
                .bind(record.expiry_date.unix_timestamp())
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_date) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT data, expiry_date FROM sessions WHERE id = ? AND expiry_date >= ?",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((data, expiry)) = row else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: OffsetDateTime::from_unix_timestamp(expiry)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
