//! Server-wide values kept in the database so that they outlive a restart.

use sqlx::SqlitePool;

const FORM_KEY: &str = "form_key";

/// The key that signs form timestamps: `fresh` is stored when there is none yet, otherwise the
/// stored key wins. `INSERT OR IGNORE` makes servers starting at once on one file agree.
pub async fn form_key(pool: &SqlitePool, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    sqlx::query("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)")
        .bind(FORM_KEY)
        .bind(&fresh[..])
        .execute(pool)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
        .bind(FORM_KEY)
        .fetch_one(pool)
        .await?;
    stored
        .try_into()
        .map_err(|v: Vec<u8>| anyhow::anyhow!("stored form key has {} bytes, not 32", v.len()))
}
