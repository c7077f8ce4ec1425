//! Server-wide values kept in the database so that they outlive a restart.

use super::{Db, on_pool};

const FORM_KEY: &str = "form_key";
const SIGN_IN_KEY: &str = "sign_in_key";

/// The key that signs form timestamps: `fresh` is stored when there is none yet, otherwise the
/// stored key wins.
pub async fn form_key(db: &Db, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    key(db, FORM_KEY, fresh).await
}

/// The key that signs the sign-in form's CSRF tokens, kept like [`form_key`] so that a sign-in
/// form opened before a restart still works after it.
pub async fn sign_in_key(db: &Db, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    key(db, SIGN_IN_KEY, fresh).await
}

/// `ON CONFLICT DO NOTHING` makes servers starting at once on one database agree.
async fn key(db: &Db, name: &str, fresh: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    let stored: Vec<u8> = on_pool!(db, pool => {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(&fresh[..])
            .execute(pool)
            .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await?
    });
    stored
        .try_into()
        .map_err(|v: Vec<u8>| anyhow::anyhow!("stored {name} has {} bytes, not 32", v.len()))
}
