//! The API as other programs meet it: the OpenAPI document, CORS, and JSON for every error.

mod common;

use common::{TestApp, dental_practice};
use reqwest::Method;
use servicefit::routes::api::ROUTES;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> serde_json::Value {
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_with_its_errors() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        if *path == "/api/v1/openapi.json" {
            continue;
        }
        let responses = op["responses"].as_object().unwrap();
        let errors: Vec<_> = responses
            .iter()
            .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
            .collect();
        assert!(!errors.is_empty(), "{method} {path} documents no errors");
        for (status, r) in errors {
            assert_eq!(
                r["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} {status}"
            );
        }
    }
    for schema in ["Answers", "Assessment", "ErrorBody", "QuestionnaireDoc"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// The fields "Advice model 2" added are in the document as they are served: `summary`,
/// `warnings` (each a key and a message), `p99` per model, `co_managed` costs, `light_users`.
#[tokio::test]
async fn the_openapi_document_names_the_advice_model_2_fields() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    // A schema's properties, through `allOf` and `$ref` (the assessment flattens the outcome).
    fn props_of(
        schemas: &serde_json::Value,
        schema: &serde_json::Value,
    ) -> serde_json::Map<String, serde_json::Value> {
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.trim_start_matches("#/components/schemas/");
            return props_of(schemas, &schemas[name]);
        }
        let mut out = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for part in schema["allOf"].as_array().into_iter().flatten() {
            out.extend(props_of(schemas, part));
        }
        out
    }
    let props = |name: &str| serde_json::Value::Object(props_of(schemas, &schemas[name]));
    let outcome = props("Assessment");
    assert!(outcome["summary"].is_object(), "{outcome}");
    assert!(outcome["warnings"].is_object(), "{outcome}");
    let warning = props("Warning");
    assert!(
        warning["key"].is_object() && warning["message"].is_object(),
        "{warning}"
    );
    assert!(props("CostSpread")["p99"].is_object());
    assert!(props("Costs")["co_managed"].is_object());
    assert!(props("Answers")["light_users"].is_object());
}

/// The router answers exactly the documented methods on every documented path: any other
/// method gets 405, and each documented one is routed (not 405).
#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let app = TestApp::spawn().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = document(&app).await;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", &id);
        for method in METHODS {
            let res = app
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let documented = ops.get(method).is_some();
            assert_eq!(
                res.status() != 405,
                documented,
                "{method} {path}: {}",
                res.status()
            );
            assert!(ROUTES.contains(&(method, path.as_str())) == documented);
        }
    }
}

#[tokio::test]
async fn api_errors_are_json_even_for_unknown_paths_and_methods() {
    let app = TestApp::spawn().await;
    let cases = [
        (Method::GET, "/api/v1/nothing-here", 404),
        (
            Method::DELETE,
            "/api/v1/assessments/aaaaaaaaaaaaaaaaaaaaaa",
            405,
        ),
        (Method::PUT, "/api/v1/questionnaire", 405),
        (
            Method::GET,
            "/api/v1/assessments/aaaaaaaaaaaaaaaaaaaaaa",
            404,
        ),
    ];
    for (method, path, status) in cases {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body["errors"][0]["message"].is_string(), "{method} {path}");
    }
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

fn allowed_origin(res: &reqwest::Response) -> Option<&str> {
    res.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn any_origin_may_read_the_api() {
    let app = TestApp::spawn().await;
    let res = preflight(
        &app,
        "/api/v1/questionnaire",
        "https://anyone.example",
        "GET",
    )
    .await;
    assert!(res.status().is_success());
    assert_eq!(allowed_origin(&res), Some("https://anyone.example"));
    let res = app
        .client
        .get(app.url("/api/v1/questionnaire"))
        .header("origin", "https://anyone.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(allowed_origin(&res), Some("https://anyone.example"));
}

#[tokio::test]
async fn only_the_configured_origins_may_post_to_the_api() {
    let app = TestApp::spawn_with(|c| {
        c.api_origins = vec!["https://crm.example".parse().unwrap()];
    })
    .await;
    let res = preflight(&app, "/api/v1/assessments", "https://crm.example", "POST").await;
    assert!(res.status().is_success());
    assert_eq!(allowed_origin(&res), Some("https://crm.example"));
    assert!(
        res.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let res = preflight(&app, "/api/v1/assessments", "https://evil.example", "POST").await;
    assert_eq!(allowed_origin(&res), None);

    // The browser would also hide the answer of a simple cross-origin POST from other origins.
    let res = app
        .client
        .post(app.url("/api/v1/assessments"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(dental_practice().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(allowed_origin(&res), None);
}

#[tokio::test]
async fn without_configured_origins_no_page_may_post_to_the_api() {
    let app = TestApp::spawn().await;
    let res = preflight(&app, "/api/v1/assessments", "https://crm.example", "POST").await;
    assert_eq!(allowed_origin(&res), None);
}
