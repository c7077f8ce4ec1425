-- Leads and the report by email (issue "For the firms that embed it").
--
-- An owner asks for their report by email: the request is a lead, kept with the assessment, with
-- the consent they gave in the exact words they saw. The email itself waits in `mail_outbox`,
-- written in the same transaction as the lead, so an acknowledged request is never lost; a
-- worker sends it and logs every attempt in `mail_deliveries`. Everything here goes with its
-- assessment (`ON DELETE CASCADE`): the owner's deletion link, `person erase` and retention.

CREATE TABLE leads (
    -- Random, as assessment ids: ties the lead to its email and webhook event.
    id              TEXT PRIMARY KEY NOT NULL,
    assessment_id   TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- As typed, trimmed: the address the report goes to.
    email           TEXT NOT NULL,
    -- Lower-cased: how access and erasure requests (`person export|erase`) find it.
    email_key       TEXT NOT NULL,
    -- The consent as the person saw it beside the box they ticked, and its version (a digest of
    -- those words), so a changed text never rewrites what someone agreed to.
    consent_text    TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    -- When they agreed (RFC 3339, UTC).
    created_at      TEXT NOT NULL,
    -- The client address the request came from (the proxy's `X-Forwarded-For` when trusted).
    client_addr     TEXT NOT NULL
) STRICT;

CREATE INDEX leads_assessment ON leads (assessment_id, created_at);
CREATE INDEX leads_email ON leads (email_key);

-- One row per email to send: the rendered message, so every retry sends the same words.
CREATE TABLE mail_outbox (
    -- The `Message-ID`'s left part: the same on every retry.
    id              TEXT PRIMARY KEY NOT NULL,
    lead_id         TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix time in milliseconds: compared with the clock, never shown.
    next_attempt_at INTEGER NOT NULL,
    sent_at         TEXT,
    -- Set when the retries ran out or the server refused for good; the log says why.
    failed_at       TEXT
) STRICT;

CREATE INDEX mail_outbox_pending ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_lead ON mail_outbox (lead_id);

-- One row per attempt to hand an email to the SMTP server: the log consultants read.
CREATE TABLE mail_deliveries (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL REFERENCES mail_outbox (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    -- host:port of the SMTP server, never its password.
    server       TEXT NOT NULL,
    -- The server's reply code (250 accepted, 421 try later, 550 refused); NULL without one.
    code         INTEGER,
    -- The server's words or why there was no answer, short; NULL when accepted.
    error        TEXT,
    duration_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX mail_deliveries_message ON mail_deliveries (message_id);
