-- One row per submitted assessment. The full result is stored as JSON exactly as it was given,
-- so a past recommendation renders unchanged after the rules change. A few fields are copied
-- into columns so that reviews can filter and sort without parsing JSON.
CREATE TABLE assessments (
    -- 128 random bits, base64url without padding (22 characters): unguessable and URL-safe.
    id             TEXT PRIMARY KEY NOT NULL,
    -- RFC 3339 UTC with a Z suffix, so text order is time order.
    created_at     TEXT NOT NULL,
    rules_version  TEXT NOT NULL,
    company        TEXT,
    employees      INTEGER NOT NULL,
    recommendation TEXT NOT NULL CHECK (recommendation IN ('break_fix', 'managed', 'co_managed')),
    confidence     TEXT NOT NULL CHECK (confidence IN ('strong', 'moderate', 'close_call')),
    score          REAL NOT NULL,
    -- The answers as parsed (JSON object), before defaults were filled in.
    answers        TEXT NOT NULL,
    -- The whole outcome (JSON object): factors, costs, assumptions, what would change.
    result         TEXT NOT NULL
) STRICT;

CREATE INDEX assessments_created_at ON assessments (created_at DESC, id DESC);
