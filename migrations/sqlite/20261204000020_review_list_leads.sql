-- The review list's "has a lead" filter and badge, answered from `review_list` like its other
-- filters.
--
-- Leads are rare, so the list usually drives that filter from the `leads` table itself (its
-- assessments, at most a few thousand, tested and sorted; src/db/review/list.rs). But a walk must
-- be able to test it too, on the index entry (see 20261123000001_review_list_filters.sql): when
-- leads become common the driving set is too large, and a filter combined with a rare tag or a
-- small date range is driven by that instead. Hence a count on the list row, kept by triggers as
-- `note_text` and `tag_list` are, and in every walk's covering index; it also gives the list its
-- "lead" badge without a lookup per row.

-- How many leads the assessment has; 0 without.
ALTER TABLE review_list ADD COLUMN lead_count INTEGER NOT NULL DEFAULT 0;

-- Recounted rather than incremented, so a trigger that runs for a row already gone (an
-- assessment's cascade removes its list row first) or twice cannot leave a wrong number.
CREATE TRIGGER leads_listed AFTER INSERT ON leads BEGIN
    UPDATE review_list
        SET lead_count = (SELECT count(*) FROM leads WHERE assessment_id = new.assessment_id)
        WHERE id = new.assessment_id;
END;
CREATE TRIGGER leads_unlisted AFTER DELETE ON leads BEGIN
    UPDATE review_list
        SET lead_count = (SELECT count(*) FROM leads WHERE assessment_id = old.assessment_id)
        WHERE id = old.assessment_id;
END;

-- Backfill: only the rows with leads change.
UPDATE review_list
    SET lead_count = (SELECT count(*) FROM leads WHERE assessment_id = review_list.id)
    WHERE id IN (SELECT assessment_id FROM leads);

-- The walks again, each with the new column, so a walk still reads index pages only.
DROP INDEX review_list_walk_created;
DROP INDEX review_list_walk_score;
DROP INDEX review_list_walk_status_created;
DROP INDEX review_list_walk_status_score;
DROP INDEX review_list_walk_recommendation_created;
DROP INDEX review_list_walk_recommendation_score;
DROP INDEX review_list_walk_flagged_created;
DROP INDEX review_list_walk_flagged_score;
CREATE INDEX review_list_walk_created ON review_list (
    created_at, id, score, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_score ON review_list (
    score, id, created_at, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_status_created ON review_list (
    status, created_at, id, score, recommendation, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_status_score ON review_list (
    status, score, id, created_at, recommendation, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_recommendation_created ON review_list (
    recommendation, created_at, id, score, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_recommendation_score ON review_list (
    recommendation, score, id, created_at, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
);
CREATE INDEX review_list_walk_flagged_created ON review_list (
    created_at, id, score, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
) WHERE flagged IS NOT NULL;
CREATE INDEX review_list_walk_flagged_score ON review_list (
    score, id, created_at, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text, lead_count
) WHERE flagged IS NOT NULL;
