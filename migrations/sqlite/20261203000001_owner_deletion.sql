-- The owner's right to delete their own result (issue "For the firms that embed it").
-- Each new assessment gets a private deletion token, separate from its id: 256 random bits
-- given to the owner once (the API's `delete_url`, the first view of the result). Only its
-- SHA-256 is kept, so the database alone cannot delete anything. Older rows have none.
ALTER TABLE assessments ADD COLUMN delete_token_hash BLOB;

-- What was deleted on the owner's request, so its addresses answer `410 Gone` rather than
-- `404`: the id and when, nothing else.
CREATE TABLE erased_assessments (
    id        TEXT PRIMARY KEY NOT NULL,
    erased_at TEXT NOT NULL
) STRICT;
