//! The real binary, as an operator starts it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The first line the server prints on stdout.
fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line
}

#[test]
fn port_zero_prints_the_bound_address_and_serves_with_a_database_it_creates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &format!("sqlite://{}", db.display()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        servicefit::install_tls_provider();
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.unwrap(), 200);
    assert!(db.exists(), "database file was not created");
}

#[test]
fn help_lists_the_subcommands_and_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["serve", "backup", "--bind", "--database-url", "--rules"] {
        assert!(text.contains(word), "{word} missing from --help");
    }
}

#[test]
fn a_bad_rules_file_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "version = 3\nnonsense").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .args(["--bind", "127.0.0.1:0", "--rules"])
        .arg(&rules)
        .args([
            "--database-url",
            &format!("sqlite://{}", dir.path().join("x.db").display()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules file"));
}

#[test]
fn an_empty_embed_origins_variable_starts_the_server_for_any_origin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .args(["--bind", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("x.db").display()))
        .env("SERVICEFIT_EMBED_ORIGINS", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("listening on http://"), "{line:?}");
}
