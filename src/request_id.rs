//! Request ids: a random UUID (version 4) per request that did not bring its own.
//!
//! tower-http's `MakeRequestUuid` asks the operating system for every id, a system call per
//! request; these come from the thread's cryptographically seeded generator instead, which the
//! OS reseeds. The ids only have to be unique, not secret.

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes `x-request-id` values in the canonical UUID text form.
#[derive(Debug, Clone, Copy, Default)]
pub struct MakeRequestUuid;

impl MakeRequestId for MakeRequestUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let text = uuid_v4(rand::random());
        HeaderValue::from_bytes(&text).ok().map(RequestId::new)
    }
}

/// The text form of a version 4 (random), variant 1 UUID made from `bits`.
fn uuid_v4(bits: u128) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let bytes = bits.to_be_bytes();
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(byte >> 4)];
        out[at + 1] = HEX[usize::from(byte & 0xf)];
        at += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_uuids_in_canonical_form() {
        let text = uuid_v4(u128::MAX);
        assert_eq!(&text, b"ffffffff-ffff-4fff-bfff-ffffffffffff");
        let text = uuid_v4(0);
        assert_eq!(&text, b"00000000-0000-4000-8000-000000000000");
        let text = uuid_v4(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(&text, b"01234567-89ab-4def-8123-456789abcdef");
    }

    #[test]
    fn every_request_gets_a_different_id() {
        let request = Request::new(());
        let mut make = MakeRequestUuid;
        let a = make.make_request_id(&request).unwrap();
        let b = make.make_request_id(&request).unwrap();
        assert_ne!(a.header_value(), b.header_value());
        assert_eq!(a.header_value().len(), 36);
    }
}
