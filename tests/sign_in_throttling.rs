//! Throttling of failed sign-ins: by account and address together, by address, and a ceiling
//! per account; the address is the one `--trust-proxy` says, as everywhere else.

mod common;

use std::time::Duration;

use common::sign_in::{Browser, add_consultant, app_with_consultant};
use common::{CONSULTANT_EMAIL as EMAIL, CONSULTANT_PASSWORD as PASSWORD, TestApp};

const WRONG: &str = "wrong password 123";

/// A server behind a trusted proxy, with the harness's consultant account.
async fn behind_proxy() -> TestApp {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    add_consultant(&app).await;
    app
}

/// Fails to sign in as `email`, `times` times, each answered `401`.
async fn fail(app: &TestApp, b: &mut Browser, email: &str, times: usize) {
    for i in 0..times {
        let res = b.try_sign_in(app, email, WRONG, "").await;
        assert_eq!(res.status(), 401, "failure {i} for {email}");
    }
}

/// Fails once for each of `count` made-up accounts.
async fn fail_for_other_accounts(app: &TestApp, b: &mut Browser, count: usize) {
    for i in 0..count {
        fail(app, b, &format!("user{i}@msp.example"), 1).await;
    }
}

/// The status of the right password from `address`, as the proxy reports it.
async fn owner_from(app: &TestApp, address: &str) -> u16 {
    let mut owner = Browser::open_login_from(app, address).await;
    let res = owner.try_sign_in(app, EMAIL, PASSWORD, "").await;
    res.status().as_u16()
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_and_address_with_retry_after() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    fail(&app, &mut b, EMAIL, 5).await;
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
    fail(&app, &mut b, "ghost@msp.example", 5).await;
    let ghost = b.try_sign_in(&app, "ghost@msp.example", WRONG, "").await;
    assert_eq!(ghost.status(), 429);
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    fail_for_other_accounts(&app, &mut b, 20).await;
    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_from_one_client_do_not_throttle_another() {
    let app = behind_proxy().await;
    let mut attacker = Browser::open_login_from(&app, "203.0.113.7").await;
    fail_for_other_accounts(&app, &mut attacker, 20).await;
    assert_eq!(owner_from(&app, "203.0.113.7").await, 429);
    assert_eq!(owner_from(&app, "198.51.100.20").await, 303);
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_does_not_escape_the_throttle() {
    let app = app_with_consultant().await;
    for i in 0..20 {
        let mut b = Browser::open_login_from(&app, &format!("203.0.113.{i}")).await;
        fail(&app, &mut b, &format!("user{i}@msp.example"), 1).await;
    }
    assert_eq!(owner_from(&app, "198.51.100.20").await, 429);
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_at_another() {
    let app = behind_proxy().await;
    let mut attacker = Browser::open_login_from(&app, "203.0.113.7").await;
    fail(&app, &mut attacker, EMAIL, 5).await;
    assert_eq!(owner_from(&app, "203.0.113.7").await, 429);
    assert_eq!(owner_from(&app, "198.51.100.20").await, 303);
    // Another address in the attacker's IPv6 /64 counts as the attacker's.
    let mut v6 = Browser::open_login_from(&app, "2001:db8:1:2::1").await;
    fail(&app, &mut v6, EMAIL, 5).await;
    assert_eq!(owner_from(&app, "2001:db8:1:2:ffff::9").await, 429);
    assert_eq!(owner_from(&app, "2001:db8:1:3::1").await, 303);
}

#[tokio::test]
async fn failures_for_one_account_from_many_addresses_hit_a_ceiling() {
    let app = behind_proxy().await;
    // 100 failures, 4 from each of 25 addresses: no address reaches its own limit.
    for i in 0..25 {
        let mut b = Browser::open_login_from(&app, &format!("203.0.113.{i}")).await;
        fail(&app, &mut b, EMAIL, 4).await;
    }
    assert_eq!(owner_from(&app, "198.51.100.20").await, 429);
    // Once the window has passed, the owner gets in.
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(owner_from(&app, "198.51.100.20").await, 303);
}

#[tokio::test]
async fn guesses_sent_at_once_get_no_more_tries_than_the_limit() {
    let app = app_with_consultant().await;
    let browser = Browser::open_login(&app).await;
    let statuses = common::sign_in::burst_of_guesses(&[&app], &browser, 20).await;
    common::sign_in::assert_burst_held(&app, &statuses).await;
}
