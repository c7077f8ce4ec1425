-- The review list's indexes carry (INCLUDE) the other short columns its filters test, so a
-- page's ids come from an index alone (an index-only scan) and only the rows shown are read
-- from the table (src/db/review/list/postgres.rs): at a million rows a filter that passes one
-- row in a hundred otherwise reads a table row for each entry it passes over. The texts
-- (company, notes, tags) are left out: their length has no small bound, and a B-tree entry must
-- stay under about 2.7 KB. Replaces the plain indexes of 20261206000001_initial.sql.
DROP INDEX review_list_created, review_list_score, review_list_status_created,
    review_list_status_score, review_list_recommendation_created,
    review_list_recommendation_score, review_list_flagged_created, review_list_flagged_score,
    review_list_lead_created, review_list_lead_score;
CREATE INDEX review_list_created ON review_list (created_at, id)
    INCLUDE (score, recommendation, status, flagged, lead_count);
CREATE INDEX review_list_score ON review_list (score, id)
    INCLUDE (created_at, recommendation, status, flagged, lead_count);
CREATE INDEX review_list_status_created ON review_list (status, created_at, id)
    INCLUDE (score, recommendation, flagged, lead_count);
CREATE INDEX review_list_status_score ON review_list (status, score, id)
    INCLUDE (created_at, recommendation, flagged, lead_count);
CREATE INDEX review_list_recommendation_created ON review_list (recommendation, created_at, id)
    INCLUDE (score, status, flagged, lead_count);
CREATE INDEX review_list_recommendation_score ON review_list (recommendation, score, id)
    INCLUDE (created_at, status, flagged, lead_count);
CREATE INDEX review_list_flagged_created ON review_list (created_at, id)
    INCLUDE (score, recommendation, status, flagged, lead_count) WHERE flagged IS NOT NULL;
CREATE INDEX review_list_flagged_score ON review_list (score, id)
    INCLUDE (created_at, recommendation, status, flagged, lead_count) WHERE flagged IS NOT NULL;
CREATE INDEX review_list_lead_created ON review_list (created_at, id)
    INCLUDE (score, recommendation, status, flagged, lead_count) WHERE lead_count > 0;
CREATE INDEX review_list_lead_score ON review_list (score, id)
    INCLUDE (created_at, recommendation, status, flagged, lead_count) WHERE lead_count > 0;

-- A tag's assessments from the index alone (SQLite's, on a WITHOUT ROWID table, holds the
-- key too).
DROP INDEX tags_tag;
CREATE INDEX tags_tag ON tags (tag, assessment_id);
