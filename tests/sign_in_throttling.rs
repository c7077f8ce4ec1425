//! Throttling of failed sign-ins: by account and address together, by address, and a ceiling
//! per account; the address is the one `--trust-proxy` says, as everywhere else.

mod common;

use common::sign_in::{Browser, add_consultant, app_with_consultant};
use common::{CONSULTANT_EMAIL as EMAIL, CONSULTANT_PASSWORD as PASSWORD, TestApp};

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_and_address_with_retry_after() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    for _ in 0..5 {
        assert_eq!(
            b.try_sign_in(&app, EMAIL, "wrong password 123", "")
                .await
                .status(),
            401
        );
    }
    let blocked = b.try_sign_in(&app, EMAIL, PASSWORD, "").await;
    assert_eq!(
        blocked.status(),
        429,
        "even the right password waits once the account is throttled"
    );
    let retry: i64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    // An unknown account is throttled the same way, so throttling reveals nothing.
    for _ in 0..5 {
        b.try_sign_in(&app, "ghost@msp.example", "wrong password 123", "")
            .await;
    }
    assert_eq!(
        b.try_sign_in(&app, "ghost@msp.example", "wrong password 123", "")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    for i in 0..20 {
        b.try_sign_in(
            &app,
            &format!("user{i}@msp.example"),
            "wrong password 123",
            "",
        )
        .await;
    }
    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_from_one_client_do_not_throttle_another() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    add_consultant(&app).await;
    let mut attacker = Browser::open_login_from(&app, "203.0.113.7").await;
    for i in 0..20 {
        let res = attacker
            .try_sign_in(
                &app,
                &format!("user{i}@msp.example"),
                "wrong password 123",
                "",
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(
        attacker
            .try_sign_in(&app, EMAIL, PASSWORD, "")
            .await
            .status(),
        429,
        "the attacker's address is throttled"
    );
    let mut owner = Browser::open_login_from(&app, "198.51.100.20").await;
    assert_eq!(
        owner.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        303
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_does_not_escape_the_throttle() {
    let app = app_with_consultant().await;
    for i in 0..20 {
        let mut b = Browser::open_login_from(&app, &format!("203.0.113.{i}")).await;
        b.try_sign_in(
            &app,
            &format!("user{i}@msp.example"),
            "wrong password 123",
            "",
        )
        .await;
    }
    let mut b = Browser::open_login_from(&app, "198.51.100.20").await;
    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 429);
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_at_another() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    add_consultant(&app).await;
    let mut attacker = Browser::open_login_from(&app, "203.0.113.7").await;
    for _ in 0..6 {
        attacker
            .try_sign_in(&app, EMAIL, "wrong password 123", "")
            .await;
    }
    assert_eq!(
        attacker
            .try_sign_in(&app, EMAIL, PASSWORD, "")
            .await
            .status(),
        429
    );
    let mut owner = Browser::open_login_from(&app, "198.51.100.20").await;
    assert_eq!(
        owner.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        303
    );
    // Another address in the attacker's IPv6 /64 counts as the attacker's.
    let mut v6 = Browser::open_login_from(&app, "2001:db8:1:2::1").await;
    for _ in 0..5 {
        v6.try_sign_in(&app, EMAIL, "wrong password 123", "").await;
    }
    let mut neighbour = Browser::open_login_from(&app, "2001:db8:1:2:ffff::9").await;
    assert_eq!(
        neighbour
            .try_sign_in(&app, EMAIL, PASSWORD, "")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn failures_for_one_account_from_many_addresses_hit_a_ceiling() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    add_consultant(&app).await;
    // 100 failures, 4 from each of 25 addresses: no address reaches its own limit.
    for i in 0..100 {
        let mut b = Browser::open_login_from(&app, &format!("203.0.113.{}", i / 4)).await;
        let res = b.try_sign_in(&app, EMAIL, "wrong password 123", "").await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let mut owner = Browser::open_login_from(&app, "198.51.100.20").await;
    let res = owner.try_sign_in(&app, EMAIL, PASSWORD, "").await;
    assert_eq!(res.status(), 429);
    // Once the window has passed, the owner gets in.
    app.clock
        .advance(std::time::Duration::from_secs(15 * 60 + 1));
    let mut owner = Browser::open_login_from(&app, "198.51.100.20").await;
    assert_eq!(
        owner.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        303
    );
}
