//! A real SMTP server for tests, in-process: it speaks enough of RFC 5321 for a real client
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts, and can be told
//! to refuse (`421`, try later) or reject (`550`, never), or be stopped and started again on
//! the same port, as a real relay that goes down.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Takes every message (`250`).
    Accept = 0,
    /// Answers `421` (service not available, try later) at the greeting.
    Refuse = 1,
    /// Answers `550` (mailbox unavailable) to every recipient.
    Reject = 2,
}

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA: headers, a blank line, the body (dot-unstuffed).
    pub data: String,
}

impl Received {
    /// A header's value (the first one named `name`, case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }

    /// The decoded text of the part with `content_type` (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let start = self
            .data
            .to_ascii_lowercase()
            .find(&format!("content-type: {content_type}"))?;
        let rest = &self.data[start..];
        let headers_end = rest.find("\r\n\r\n")?;
        let headers = rest[..headers_end].to_ascii_lowercase();
        let body = &rest[headers_end + 4..];
        // The part ends at the next boundary line, which a plain "-- " signature line is not.
        let boundary = self
            .header("content-type")
            .and_then(|t| {
                t.split("boundary=")
                    .nth(1)
                    .map(|b| b.trim_matches('"').to_owned())
            })
            .map(|b| format!("\r\n--{b}"));
        let body = match &boundary {
            Some(b) => body.split(b.as_str()).next().unwrap_or(body),
            None => body,
        };
        if headers.contains("quoted-printable") {
            Some(quoted_printable(body))
        } else if headers.contains("base64") {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .ok()?;
            String::from_utf8(bytes).ok()
        } else {
            Some(body.to_owned())
        }
    }
}

fn quoted_printable(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Shared {
    mode: AtomicU8,
    received: Mutex<Vec<Received>>,
    /// Connections seen, whatever came of them.
    connections: Mutex<u32>,
}

/// The sink. Dropping it stops it.
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(Mode::Accept as u8),
            received: Mutex::new(Vec::new()),
            connections: Mutex::new(0),
        });
        let task = Some(tokio::spawn(accept(listener, shared.clone())));
        Self { addr, shared, task }
    }

    /// `smtp://127.0.0.1:PORT`: plain SMTP, as to a local relay.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Stops listening and drops every open connection: connecting is refused until
    /// [`SmtpSink::resume`].
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port, keeping what was received.
    pub async fn resume(&mut self) {
        self.stop();
        let listener = TcpListener::bind(self.addr).await.expect("bind smtp again");
        self.task = Some(tokio::spawn(accept(listener, self.shared.clone())));
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }

    pub fn connections(&self) -> u32 {
        *self.shared.connections.lock().expect("lock")
    }

    /// Waits up to `within` until at least `n` messages arrived; returns what arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    // Connections live in this task's set, so stopping the sink closes them too.
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                *shared.connections.lock().expect("lock") += 1;
                sessions.spawn(session(stream, shared.clone()));
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mode = || match shared.mode.load(Ordering::SeqCst) {
        1 => Mode::Refuse,
        2 => Mode::Reject,
        _ => Mode::Accept,
    };
    if mode() == Mode::Refuse {
        write
            .write_all(b"421 sink.test Service not available, try again later\r\n")
            .await?;
        return Ok(());
    }
    write
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                if mode() == Mode::Refuse {
                    b"421 sink.test Service not available, try again later\r\n"
                } else {
                    from = address(&command);
                    to.clear();
                    b"250 OK\r\n"
                }
            }
            "RCPT" => {
                if mode() == Mode::Reject {
                    b"550 5.1.1 No such mailbox here\r\n"
                } else {
                    to.push(address(&command));
                    b"250 OK\r\n"
                }
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                shared.received.lock().expect("lock").push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            }
            "RSET" => {
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address between `<` and `>` in `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}
