//! The exports as browsers fetch them: gzip-compressed, and decoding to exactly the plain
//! download, whether the export fits in one chunk or takes many.

use crate::common::consultant::{ACCEPT_ENCODING, Consultant, decode};
use crate::common::{TestApp, dental_practice, tiny_studio};
use crate::seed::store_copies;

const EXPORTS: [&str; 2] = ["/consultant/export.csv", "/consultant/export.json"];

/// The export at `path` downloaded twice, plainly and gzip-compressed as a browser asks for it;
/// returns the plain body and the decoded compressed one.
async fn plain_and_gzip(app: &TestApp, consultant: &Consultant, path: &str) -> (Vec<u8>, Vec<u8>) {
    let plain = consultant.get_raw(app, path, "identity").await;
    assert_eq!(plain.status(), 200, "{path}");
    assert!(plain.headers().get("content-encoding").is_none(), "{path}");
    let plain = plain.bytes().await.expect("the whole plain body").to_vec();

    let zipped = consultant.get_raw(app, path, ACCEPT_ENCODING).await;
    assert_eq!(zipped.status(), 200, "{path}");
    assert_eq!(zipped.headers()["content-encoding"], "gzip", "{path}");
    let raw = zipped.bytes().await.expect("the whole gzip body");
    (plain, decode(Some(b"gzip"), &raw))
}

#[tokio::test]
async fn a_small_export_fetched_with_gzip_decodes_to_the_plain_download() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    app.create(&dental_practice()).await;
    app.create(&tiny_studio()).await;
    for export in EXPORTS {
        // A few rows, and a selection with none.
        for path in [export.to_owned(), format!("{export}?status=won")] {
            let (plain, gzip) = plain_and_gzip(&app, &consultant, &path).await;
            assert!(!plain.is_empty(), "{path}");
            assert_eq!(
                String::from_utf8_lossy(&gzip),
                String::from_utf8_lossy(&plain),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn a_large_export_fetched_with_gzip_decodes_to_the_plain_download() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let rows: Vec<(String, String)> = (0..400)
        .map(|i| (format!("large{i:0>17}"), format!("Company {i}")))
        .collect();
    store_copies(&app, &rows).await;
    for path in EXPORTS {
        let (plain, gzip) = plain_and_gzip(&app, &consultant, path).await;
        // The export is sent in chunks of about 16 KiB; this one needs several.
        assert!(plain.len() > 6 * 16 * 1024, "{path}: {} bytes", plain.len());
        assert!(
            String::from_utf8_lossy(&plain).contains("Company 399"),
            "{path}: the last row is in the plain download"
        );
        assert_eq!(gzip.len(), plain.len(), "{path}");
        assert!(gzip == plain, "{path}: the decoded gzip body differs");
    }
}
