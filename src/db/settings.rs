//! Server-wide values kept in the database so that they outlive a restart.

use sqlx::SqlitePool;

const FORM_KEY: &str = "form_key";
const SIGN_IN_KEY: &str = "sign_in_key";

/// The key that signs form timestamps: `fresh` is stored when there is none yet, otherwise the
/// stored key wins.
pub async fn form_key(pool: &SqlitePool, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    key(pool, FORM_KEY, fresh).await
}

/// The key that signs the sign-in form's CSRF tokens, kept like [`form_key`] so that a sign-in
/// form opened before a restart still works after it.
pub async fn sign_in_key(pool: &SqlitePool, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    key(pool, SIGN_IN_KEY, fresh).await
}

/// `INSERT OR IGNORE` makes servers starting at once on one file agree.
async fn key(pool: &SqlitePool, name: &str, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    sqlx::query("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)")
        .bind(name)
        .bind(&fresh[..])
        .execute(pool)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await?;
    stored
        .try_into()
        .map_err(|v: Vec<u8>| anyhow::anyhow!("stored {name} has {} bytes, not 32", v.len()))
}
