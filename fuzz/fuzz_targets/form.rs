//! Any bytes as a questionnaire form body: reading it either fails with a 400 or gives raw
//! answers that the shared parser accepts or refuses with reasons; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use servicefit::error::AppError;
use servicefit::routes::questionnaire::parse_form;

fuzz_target!(|body: &[u8]| {
    match parse_form(body) {
        Ok(raw) => {
            servicefit_fuzz::parse_checked(&raw);
        }
        Err(e) => assert!(matches!(e, AppError::BadRequest(_)), "{e:?}"),
    }
});
