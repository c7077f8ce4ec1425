//! The sign-in form's CSRF protection without a stored session: a signed double-submit token.
//! The token goes into the form and into a cookie; a sign-in counts only when both arrive, are
//! the same, carry this server's signature and are recent. A visitor who never signs in leaves
//! nothing behind on the server.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{constant_time_eq, random_token};

/// How long a sign-in form stays usable after it was shown, in seconds.
pub const SIGN_IN_FORM_SECS: i64 = 2 * 3600;

/// Issues and checks sign-in form tokens (`issued-unix-seconds.nonce.hex-hmac`).
pub struct SignInForms {
    key: [u8; 32],
}

impl std::fmt::Debug for SignInForms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForms").finish_non_exhaustive()
    }
}

impl SignInForms {
    /// Signs with the database's key (made on first use), so forms outlive a restart.
    pub async fn load(pool: &crate::db::Db) -> anyhow::Result<Self> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let key = crate::db::settings::sign_in_key(pool, fresh).await?;
        Ok(Self { key })
    }

    fn tag(&self, payload: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(b"servicefit sign-in form ");
        mac.update(payload.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A token for a form shown at `now` (Unix seconds).
    pub fn issue(&self, now: i64) -> String {
        let payload = format!("{now}.{}", random_token());
        let tag = self.tag(&payload);
        format!("{payload}.{tag}")
    }

    /// True when the form's token `sent` is the cookie's token `kept`, this server signed it,
    /// and it was issued within [`SIGN_IN_FORM_SECS`] before `now`.
    pub fn verify(&self, kept: Option<&str>, sent: Option<&str>, now: i64) -> bool {
        let (Some(kept), Some(sent)) = (kept, sent) else {
            return false;
        };
        if !constant_time_eq(kept.as_bytes(), sent.as_bytes()) {
            return false;
        }
        let Some((payload, tag)) = sent.rsplit_once('.') else {
            return false;
        };
        let Some(issued) = payload
            .split_once('.')
            .and_then(|(at, nonce)| (!nonce.is_empty()).then_some(at))
            .and_then(|at| at.parse::<i64>().ok())
        else {
            return false;
        };
        constant_time_eq(self.tag(payload).as_bytes(), tag.as_bytes())
            && (0..SIGN_IN_FORM_SECS).contains(&now.saturating_sub(issued))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(key: u8) -> SignInForms {
        SignInForms { key: [key; 32] }
    }

    #[test]
    fn a_token_verifies_only_when_the_cookie_and_the_form_carry_the_same_one() {
        let f = forms(1);
        let a = f.issue(1_000);
        let b = f.issue(1_000);
        assert_ne!(a, b);
        assert!(f.verify(Some(&a), Some(&a), 1_001));
        assert!(!f.verify(Some(&a), Some(&b), 1_001));
        assert!(!f.verify(None, Some(&a), 1_001));
        assert!(!f.verify(Some(&a), None, 1_001));
    }

    #[test]
    fn a_forged_foreign_or_stale_token_is_refused() {
        let f = forms(1);
        let foreign = forms(2).issue(1_000);
        assert!(!f.verify(Some(&foreign), Some(&foreign), 1_001));
        let token = f.issue(1_000);
        let later = token.replacen("1000.", "9000.", 1);
        assert!(!f.verify(Some(&later), Some(&later), 9_001));
        assert!(!f.verify(Some(&token), Some(&token), 1_000 + SIGN_IN_FORM_SECS));
        assert!(
            !f.verify(Some(&token), Some(&token), 999),
            "issued in the future"
        );
        for junk in ["", ".", "..", "1000..x", "x.y.z", "forged"] {
            assert!(!f.verify(Some(junk), Some(junk), 1_001), "{junk:?}");
        }
    }
}
