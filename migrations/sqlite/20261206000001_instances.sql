-- Several instances on one database (issue 16). PostgreSQL's schema has these too
-- (migrations/postgres), so both backends keep one schema; on SQLite, one process serves the
-- file, and the tables simply hold that process's state.

-- The submission and sign-in limits' state: per client key, the GCRA's theoretical arrival time
-- (Unix milliseconds), so every instance spends one budget.
CREATE TABLE rate_limits (
    key    TEXT PRIMARY KEY NOT NULL,
    tat_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- When each periodic task (retention, sweeps) last ran (Unix milliseconds), so it runs once,
-- not once per instance.
CREATE TABLE periodic_runs (
    name        TEXT PRIMARY KEY NOT NULL,
    last_run_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Unix milliseconds until which one instance has claimed the row to send it; NULL when no one
-- has. A claim that outlives a crashed instance simply expires.
ALTER TABLE webhook_outbox ADD COLUMN claimed_until_ms INTEGER;
ALTER TABLE mail_outbox ADD COLUMN claimed_until_ms INTEGER;
