-- Webhook outbox: one row per event to send. The row is written in the same transaction as the
-- assessment it announces, so an assessment acknowledged to its client always has its event,
-- whatever happens to the process afterwards. Rows stay after delivery so the id a receiver saw
-- can be traced; `delivered_at` or `failed_at` marks them done.
CREATE TABLE webhook_outbox (
    -- The `webhook-id` header: the same on every retry, so receivers can drop duplicates.
    id              TEXT PRIMARY KEY NOT NULL,
    event_type      TEXT NOT NULL,
    -- The exact body that is signed and sent, so every retry sends identical bytes.
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix time in milliseconds: compared with the clock, never shown.
    next_attempt_at INTEGER NOT NULL,
    delivered_at    TEXT,
    -- Set when the retries ran out; the delivery log says why.
    failed_at       TEXT
) STRICT;

-- The worker's only question: what is due next among the rows still pending.
CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;

-- One row per delivery attempt: the log consultants read.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL REFERENCES webhook_outbox (id),
    attempt      INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    url          TEXT NOT NULL,
    -- The receiver's HTTP status; NULL when it did not answer.
    status       INTEGER,
    -- Why there was no answer (connection refused, timeout), short; NULL otherwise.
    error        TEXT,
    duration_ms  INTEGER NOT NULL
) STRICT;
