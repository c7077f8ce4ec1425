//! Any bytes as an API body: malformed JSON is a 400, a JSON value that is not an object, or an
//! answer in another JSON type than the API document gives, is a 422, and the rest goes
//! through the shared parser; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use servicefit::error::AppError;
use servicefit::routes::api::raw_from_json;

fuzz_target!(|body: &[u8]| {
    match raw_from_json(body) {
        Ok(raw) => {
            servicefit_fuzz::parse_checked(&raw);
        }
        Err(AppError::BadRequest(_)) => {}
        Err(AppError::Validation(errors)) => assert!(!errors.is_empty()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
