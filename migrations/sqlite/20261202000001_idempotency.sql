-- Retries that must not make duplicates. A key is either an API client's `Idempotency-Key`
-- header or the one-time token of a questionnaire form (prefixed `form:`); it is stored in the
-- same transaction as the assessment it made, so a key never names an assessment that was not
-- committed. `body_hash` (SHA-256 of the request body) tells a true retry from a reused key.
-- Keys older than a day no longer count and are swept away.
CREATE TABLE idempotency_keys (
    key           TEXT PRIMARY KEY NOT NULL,
    body_hash     BLOB NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- The readiness check's write probe: while the last write failed (a full disk, a database
-- limit reached), `/readyz` commits a row the size of an assessment here, then deletes it, to
-- learn whether the database can take writes again.
CREATE TABLE write_probe (
    id     INTEGER PRIMARY KEY,
    filler BLOB NOT NULL
) STRICT;
