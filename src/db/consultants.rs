//! Consultant accounts, sign-in throttling and the session store.

use sqlx::FromRow;

use super::{Db, on_pool, on_tx};
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
pub async fn insert_consultant(db: &Db, email: &str, hash: &str, now: &str) -> sqlx::Result<bool> {
    let done = on_pool!(db, pool => sqlx::query(
        "INSERT INTO consultants (email, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(email)
    .bind(hash)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(done == 1)
}

pub async fn find_consultant_by_email(db: &Db, email: &str) -> sqlx::Result<Option<Consultant>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch
         FROM consultants WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(pool)
    .await)
}

pub async fn find_consultant(db: &Db, id: i64) -> sqlx::Result<Option<Consultant>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch FROM consultants WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}

pub async fn list_consultants(db: &Db) -> sqlx::Result<Vec<Consultant>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, email, password_hash, created_at, session_epoch
         FROM consultants ORDER BY lower(email)",
    )
    .fetch_all(pool)
    .await)
}

/// Removes an account and every session it holds; `Ok(false)` when there was none.
pub async fn delete_consultant(db: &Db, email: &str) -> sqlx::Result<bool> {
    let done = on_pool!(db, pool => sqlx::query("DELETE FROM consultants WHERE lower(email) = lower($1)")
        .bind(email)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(done == 1)
}

/// Sets a new password hash and ends every session of the account; `Ok(false)` when there is
/// no account.
pub async fn set_password_hash(db: &Db, email: &str, hash: &str) -> sqlx::Result<bool> {
    let done = on_pool!(db, pool => sqlx::query(
        "UPDATE consultants SET password_hash = $1, session_epoch = session_epoch + 1
         WHERE lower(email) = lower($2)",
    )
    .bind(hash)
    .bind(email)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// Records a failed sign-in for each key and forgets failures older than `since`.
pub async fn record_login_failure(
    db: &Db,
    keys: &[&str],
    now: i64,
    since: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(since)
            .execute(&mut *conn)
            .await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
    });
    tx.commit().await
}

/// Counts a sign-in attempt before its password is checked: records a failure for each key
/// (committed), then reads each key's failures since `since`, this attempt included, with the
/// oldest. Attempts sent at once, to one instance or to several, then cannot all pass the
/// throttle before any of them is counted: whichever counts last sees every attempt counted
/// before it. An attempt that turns out over a limit, or right, is taken back with
/// [`forget_login_attempt`].
pub async fn record_login_attempt(
    db: &Db,
    keys: &[&str],
    now: i64,
    since: i64,
) -> sqlx::Result<Vec<(i64, Option<i64>)>> {
    record_login_failure(db, keys, now, since).await?;
    let mut counts = Vec::with_capacity(keys.len());
    for key in keys {
        counts.push(login_failures_since(db, key, since).await?);
    }
    Ok(counts)
}

/// Takes back the attempt [`record_login_attempt`] counted at `now`: one failure of each key at
/// that time (any one of equal rows; they count the same).
pub async fn forget_login_attempt(db: &Db, keys: &[&str], now: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    match &mut tx {
        super::Tx::Sqlite(conn) => {
            for key in keys {
                sqlx::query(
                    "DELETE FROM login_failures WHERE rowid =
                     (SELECT rowid FROM login_failures WHERE key = $1 AND at = $2 LIMIT 1)",
                )
                .bind(key)
                .bind(now)
                .execute(&mut **conn)
                .await?;
            }
        }
        super::Tx::Postgres(conn) => {
            for key in keys {
                sqlx::query(
                    "DELETE FROM login_failures WHERE ctid =
                     (SELECT ctid FROM login_failures WHERE key = $1 AND at = $2 LIMIT 1
                      FOR UPDATE SKIP LOCKED)",
                )
                .bind(key)
                .bind(now)
                .execute(&mut **conn)
                .await?;
            }
        }
    }
    tx.commit().await
}

/// Failures for `key` since `since`, and the oldest of them (to say when the block lifts).
pub async fn login_failures_since(
    db: &Db,
    key: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at >= $2",
    )
    .bind(key)
    .bind(since)
    .fetch_one(pool)
    .await)
}

pub async fn clear_login_failures(db: &Db, key: &str) -> sqlx::Result<()> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// tower-sessions' store over the project's own database, so sessions live beside the data
/// (on PostgreSQL every instance sees every session) and the project needs only one sqlx
/// version (the published sqlx stores are on an older one).
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Deletes expired sessions; run now and then.
    pub async fn delete_expired(&self) -> sqlx::Result<u64> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        Ok(
            on_pool!(&self.db, pool => sqlx::query("DELETE FROM sessions WHERE expiry_date < $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()),
        )
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A new id must not take over an existing session: retry on the (astronomically rare) clash.
        loop {
            let done = on_pool!(&self.db, pool => sqlx::query("INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(&data)
                .bind(record.expiry_date.unix_timestamp())
                .execute(pool)
                .await
                .map_err(backend)?
                .rows_affected());
            if done == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        on_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(record.expiry_date.unix_timestamp())
            .execute(pool)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<(String, i64)> = on_pool!(&self.db, pool => sqlx::query_as(
            "SELECT data, expiry_date FROM sessions WHERE id = $1 AND expiry_date >= $2",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(pool)
        .await
        .map_err(backend)?);
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
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }
}
