//! CSV cells a spreadsheet would run as formulas: every text cell that starts like one gets a
//! leading `'`, whoever wrote it; numbers stay numbers.

use serde_json::Value;

use crate::common::consultant::Consultant;
use crate::common::{TestApp, dental_practice, tiny_studio};
use crate::seed::store_copies;
use crate::{csv_id, csv_rows};

#[tokio::test]
async fn cells_a_spreadsheet_would_run_as_formulas_are_defused() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let mut answers = dental_practice();
    answers["company"] = Value::from("=HYPERLINK(\"http://evil.example\",\"click\")");
    let created = app.create(&answers).await;
    let mut plain = tiny_studio();
    plain["company"] = Value::from("Smith-Jones & Co");
    app.create(&plain).await;
    let pool = app.db().await;
    let id = created["id"].as_str().unwrap();
    servicefit::db::review::set_tags(&pool, id, &["-1+2".into()])
        .await
        .unwrap();

    let (_, rows) = csv_rows(&app, &consultant, "/consultant/export.csv").await;
    let row = rows.iter().find(|r| r["id"] == csv_id(&created)).unwrap();
    assert_eq!(
        row["company"],
        "'=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(row["tags"], "'-1+2");
    let other = rows.iter().find(|r| r["id"] != csv_id(&created)).unwrap();
    assert_eq!(other["company"], "Smith-Jones & Co");
    // Numbers stay numbers, negative ones included.
    assert!(
        other["score"].parse::<f64>().unwrap() < 0.0,
        "{}",
        other["score"]
    );
}

#[tokio::test]
async fn an_id_or_a_name_that_starts_with_a_minus_is_defused_and_numbers_are_not() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    // Ids are 22 characters of URL-safe base64: about one in 64 starts with `-`.
    let minus_id = "-AbCdEfGhIjKlMnOpQrStU";
    store_copies(
        &app,
        &[
            (minus_id.to_owned(), "-2+3 Consulting".to_owned()),
            (
                "0AbCdEfGhIjKlMnOpQrStU".to_owned(),
                "\tTabbed Ltd".to_owned(),
            ),
        ],
    )
    .await;

    let (_, rows) = csv_rows(&app, &consultant, "/consultant/export.csv").await;
    let row = rows
        .iter()
        .find(|r| r["id"] == format!("'{minus_id}"))
        .unwrap_or_else(|| {
            panic!(
                "no defused id among {:?}",
                rows.iter().map(|r| &r["id"]).collect::<Vec<_>>()
            )
        });
    assert_eq!(row["company"], "'-2+3 Consulting");
    let tabbed = rows
        .iter()
        .find(|r| r["id"] == "0AbCdEfGhIjKlMnOpQrStU")
        .unwrap();
    assert_eq!(tabbed["company"], "'\tTabbed Ltd");
    for row in &rows {
        for (column, cell) in row {
            let number = cell.parse::<f64>().is_ok();
            assert!(
                number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{column}: {cell:?} would run as a formula"
            );
            // The cost and points columns are numbers, written as numbers (co-managed ones are
            // empty for a business that has no IT people of its own).
            let optional = column.starts_with("co_managed_") && cell.is_empty();
            if column.starts_with("points_") || column.ends_with("_expected") || column == "score" {
                assert!(number || optional, "{column}: {cell:?}");
            }
        }
    }
}
