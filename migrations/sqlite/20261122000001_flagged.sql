-- Form submissions that looked automated (honeypot filled in, sent too fast, or a form timestamp
-- this server did not issue) are stored anyway, with the reason here; NULL means nothing looked
-- wrong. Storing rather than dropping means a person misjudged as a bot loses nothing.
ALTER TABLE assessments ADD COLUMN flagged TEXT;
CREATE INDEX assessments_flagged_created ON assessments (created_at DESC, id DESC)
    WHERE flagged IS NOT NULL;
