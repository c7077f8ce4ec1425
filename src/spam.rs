//! Spam checks on the HTML forms, without third-party CAPTCHAs: a honeypot field that people
//! never see, and a minimum fill time measured from a signed timestamp rendered with the form.
//!
//! A submission that fails either check is still stored, flagged with the reason, so that a
//! person misjudged as a bot loses nothing and consultants decide. The API is not checked:
//! programs are expected there.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::rules::RawAnswers;

/// The honeypot: a field hidden from people, which form-filling bots tend to fill in.
pub const HONEYPOT_FIELD: &str = "website";
/// When the form was rendered, as `unix-milliseconds.hex-hmac`.
pub const STARTED_FIELD: &str = "form_started";

/// Signs form timestamps. The key is kept in the database, so forms rendered before a restart
/// still verify after it.
pub struct FormGuard {
    key: [u8; 32],
    min_fill: Duration,
}

impl std::fmt::Debug for FormGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormGuard")
            .field("min_fill", &self.min_fill)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn random_key() -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(key)
}

impl FormGuard {
    /// A guard signing with the database's key (made on first use); `min_fill_seconds` of 0
    /// turns the time check off.
    pub async fn load(pool: &crate::db::Db, min_fill_seconds: u32) -> anyhow::Result<Self> {
        let key = crate::db::settings::form_key(pool, random_key()?).await?;
        Ok(Self::with_key(key, min_fill_seconds))
    }

    fn with_key(key: [u8; 32], min_fill_seconds: u32) -> Self {
        Self {
            key,
            min_fill: Duration::from_secs(u64::from(min_fill_seconds)),
        }
    }

    fn mac(&self, ms: u64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(b"servicefit form started ");
        mac.update(ms.to_string().as_bytes());
        mac
    }

    fn token_at(&self, ms: u64) -> String {
        let tag = self.mac(ms).finalize().into_bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        format!("{ms}.{hex}")
    }

    /// A timestamp for a form rendered now.
    pub fn token(&self) -> String {
        self.token_at(now_ms())
    }

    /// The time a token was made, when it is one of ours.
    fn verify(&self, token: &str) -> Option<u64> {
        let (ms, hex) = token.split_once('.')?;
        let ms: u64 = ms.parse().ok()?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tag: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()
            .ok()?;
        // Constant-time comparison.
        self.mac(ms).verify_slice(&tag).ok()?;
        Some(ms)
    }

    /// The token to render again with a form sent back for corrections: the original one when
    /// it verifies, so that the time keeps counting from the first view.
    pub fn token_for(&self, raw: &RawAnswers) -> String {
        raw.get(STARTED_FIELD)
            .filter(|t| self.verify(t).is_some())
            .cloned()
            .unwrap_or_else(|| self.token())
    }

    /// Why a form submission looks automated, or `None` when it looks like a person's.
    pub fn suspicion(&self, raw: &RawAnswers) -> Option<String> {
        self.suspicion_at(raw, now_ms())
    }

    fn suspicion_at(&self, raw: &RawAnswers, now: u64) -> Option<String> {
        if raw.get(HONEYPOT_FIELD).is_some_and(|v| !v.is_empty()) {
            return Some("honeypot field filled in".to_owned());
        }
        if self.min_fill.is_zero() {
            return None;
        }
        let Some(started) = raw.get(STARTED_FIELD).and_then(|t| self.verify(t)) else {
            return Some("form timestamp missing or not issued by this server".to_owned());
        };
        let elapsed = Duration::from_millis(now.saturating_sub(started));
        (elapsed < self.min_fill).then(|| {
            format!(
                "sent {:.1} s after the form was shown (minimum {} s)",
                elapsed.as_secs_f64(),
                self.min_fill.as_secs()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawAnswers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_person_who_took_their_time_is_not_flagged() {
        let guard = FormGuard::with_key([1; 32], 3);
        let token = guard.token_at(1_000_000);
        let form = raw(&[(STARTED_FIELD, &token), (HONEYPOT_FIELD, "")]);
        assert_eq!(guard.suspicion_at(&form, 1_060_000), None);
    }

    #[test]
    fn a_fast_or_forged_or_honeypotted_form_is_flagged() {
        let guard = FormGuard::with_key([1; 32], 3);
        let token = guard.token_at(1_000_000);
        let fast = raw(&[(STARTED_FIELD, &token)]);
        assert!(guard.suspicion_at(&fast, 1_001_000).is_some());
        let forged = raw(&[(STARTED_FIELD, "1000000.00")]);
        assert!(guard.suspicion_at(&forged, 1_060_000).is_some());
        let other_key = FormGuard::with_key([2; 32], 3).token_at(1_000_000);
        let foreign = raw(&[(STARTED_FIELD, &other_key)]);
        assert!(guard.suspicion_at(&foreign, 1_060_000).is_some());
        let honeypot = raw(&[(STARTED_FIELD, &token), (HONEYPOT_FIELD, "http://spam")]);
        assert!(guard.suspicion_at(&honeypot, 1_060_000).is_some());
        assert!(guard.suspicion_at(&raw(&[]), 1_060_000).is_some());
    }

    #[test]
    fn zero_seconds_turns_the_time_check_off_but_not_the_honeypot() {
        let guard = FormGuard::with_key([1; 32], 0);
        assert_eq!(guard.suspicion_at(&raw(&[]), 0), None);
        assert!(
            guard
                .suspicion_at(&raw(&[(HONEYPOT_FIELD, "x")]), 0)
                .is_some()
        );
    }
}
