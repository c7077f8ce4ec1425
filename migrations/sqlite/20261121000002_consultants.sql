-- The consultant workspace: accounts, server-side sessions, review workflow and sign-in throttling.

CREATE TABLE consultants (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- argon2id PHC string (salt and parameters included); never the password itself.
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- tower-sessions records, kept in the same SQLite file as everything else (one sqlx, one pool).
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        TEXT NOT NULL,
    -- Unix seconds; expired rows are ignored on load and swept periodically.
    expiry_date INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expiry ON sessions (expiry_date);

-- Where an assessment stands in the consultant's pipeline.
ALTER TABLE assessments ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'contacted', 'proposal', 'won', 'lost', 'closed'));
CREATE INDEX assessments_status_created ON assessments (status, created_at DESC, id DESC);
CREATE INDEX assessments_recommendation_created ON assessments (recommendation, created_at DESC, id DESC);
CREATE INDEX assessments_score ON assessments (score DESC, id DESC);

-- Append-only history: notes are never edited or deleted by the application, and status changes
-- are recorded here too (kind = 'status') so the history reads as one timeline.
CREATE TABLE notes (
    id            INTEGER PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    author        TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'status')),
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX notes_assessment ON notes (assessment_id, id);

CREATE TABLE tags (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    PRIMARY KEY (assessment_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_tag ON tags (tag);

-- Failed sign-ins, by account and by client address, for throttling. Rows older than the
-- throttling window are deleted as new failures arrive.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_key_at ON login_failures (key, at);
