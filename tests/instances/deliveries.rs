//! Webhook events and report emails drained by both instances, each sent once.

use super::*;

/// What the webhook receiver got: each `webhook-id` and how often.
#[derive(Default)]
struct Receiver {
    ids: Mutex<HashMap<String, usize>>,
    requests: AtomicUsize,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    // A receiver a little slow to answer, so that the two instances' workers overlap.
    tokio::time::sleep(Duration::from_millis(5)).await;
    *r.ids.lock().unwrap().entry(id).or_default() += 1;
    r.requests.fetch_add(1, Ordering::SeqCst);
    StatusCode::OK
}

#[tokio::test]
async fn webhook_events_are_drained_by_both_instances_and_each_sent_once() {
    if on_postgres("webhooks once").is_none() {
        return;
    }
    let receiver = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (a, b) = two_apps(|c| {
        c.webhook_url = Some(hook.parse().unwrap());
        c.webhook_secret = Some(
            format!("whsec_{}", BASE64.encode(b"a test key of 24 bytes!!"))
                .parse()
                .unwrap(),
        );
        c.webhook_backoff_ms = 20;
    })
    .await;
    const N: usize = 40;
    let mut posts = Vec::new();
    for i in 0..N {
        let app = if i % 2 == 0 { &a } else { &b };
        let (client, url) = (app.client.clone(), app.url("/api/v1/assessments"));
        posts.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(binary::answers(i).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }));
    }
    for p in posts {
        p.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.ids.lock().unwrap().len() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} events arrived",
            receiver.ids.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for a duplicate to show up, if one were on its way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ids = receiver.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), N, "one event per assessment");
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(receiver.requests.load(Ordering::SeqCst), N);
    // Every event is logged as delivered once.
    let db = a.db().await;
    let delivered: i64 = servicefit::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(usize::try_from(delivered).unwrap(), N);
}

#[tokio::test]
async fn report_emails_are_drained_by_both_instances_and_each_sent_once() {
    if on_postgres("emails once").is_none() {
        return;
    }
    let sink = SmtpSink::start().await;
    let smtp = with_smtp(&sink);
    let (a, b) = {
        let a = TestApp::spawn_with(with_smtp(&sink)).await;
        let url = a.config.database_url.clone();
        let b = TestApp::spawn_with(|c| {
            smtp(c);
            c.database_url = url;
        })
        .await;
        (a, b)
    };
    const N: usize = 20;
    let mut ids = Vec::new();
    for i in 0..N {
        let app = if i % 2 == 0 { &a } else { &b };
        ids.push(
            app.create(&binary::answers(i)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut asks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        // Asked on the other instance than the one that made it.
        let app = if i % 2 == 0 { &b } else { &a };
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("/api/v1/assessments/{id}/report")),
        );
        asks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(
                    serde_json::json!({
                        "name": format!("Reader {i}"),
                        "email": format!("reader{i}@shop.example"),
                        "consent": true
                    })
                    .to_string(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
        }));
    }
    for ask in asks {
        ask.await.unwrap();
    }
    let mail = sink.wait_for(N, DELIVERY * 2).await;
    assert!(mail.len() >= N, "only {} of {N} emails arrived", mail.len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mail = sink.received();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    let mut per_reader: HashMap<String, usize> = HashMap::new();
    for m in &mail {
        *per_id
            .entry(m.header("message-id").expect("a Message-ID"))
            .or_default() += 1;
        *per_reader.entry(m.to.join(",")).or_default() += 1;
    }
    assert_eq!(mail.len(), N, "one email per request: {per_reader:?}");
    assert_eq!(per_id.len(), N, "each Message-ID once");
    assert_eq!(per_reader.len(), N, "each reader once");
}
