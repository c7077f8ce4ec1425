-- Every filter of the review list answerable from `review_list` alone, and a walk in each sort
-- order that reads one index and never the table rows.
--
-- A filter that matches between about 0.01% and 5% of the rows is too common for its own set to
-- drive the query and too rare for a walk in list order to fill a page quickly; the list then
-- walks with a budget of index entries (src/db/review/list/walk.rs). That walk must test every
-- filter on the index entry itself: a lookup into `notes`, `tags` or the table row for each of
-- 20,000 entries costs more than the whole page may.

-- The texts of the assessment's notes (kind 'note'), joined by the unit separator (U+001F), or
-- NULL without notes. LIKE '%q%' on it matches when some note matches, as long as q has no
-- separator in it (the list tests such a q against `notes` itself).
ALTER TABLE review_list ADD COLUMN note_text TEXT;
-- The assessment's tags, each followed by and the first preceded by the unit separator
-- (U+001F + 'hipaa' + U+001F + 'legal' + U+001F), or NULL without tags: instr() with the tag
-- between two separators is an exact tag test.
ALTER TABLE review_list ADD COLUMN tag_list TEXT;

-- The insert trigger named no columns; it now names them, leaving the new ones NULL.
DROP TRIGGER assessments_listed;
CREATE TRIGGER assessments_listed AFTER INSERT ON assessments BEGIN
    INSERT INTO review_list (id, created_at, company, employees, recommendation, confidence,
                             score, status, flagged)
        VALUES (new.id, new.created_at, new.company, new.employees, new.recommendation,
                new.confidence, new.score, new.status, new.flagged);
END;

-- Notes are append-only for the application; the delete trigger covers retention's cascade
-- (where the list row is usually gone already) and anything else that deletes a note.
CREATE TRIGGER notes_listed AFTER INSERT ON notes WHEN new.kind = 'note' BEGIN
    UPDATE review_list
        SET note_text = CASE WHEN note_text IS NULL THEN new.body
                             ELSE note_text || char(31) || new.body END
        WHERE id = new.assessment_id;
END;
CREATE TRIGGER notes_unlisted AFTER DELETE ON notes WHEN old.kind = 'note' BEGIN
    UPDATE review_list
        SET note_text = (SELECT group_concat(body, char(31)) FROM notes
                         WHERE assessment_id = old.assessment_id AND kind = 'note')
        WHERE id = old.assessment_id;
END;

-- Tags are replaced as a set (delete all, insert each), so each change recomputes the list.
CREATE TRIGGER tags_listed AFTER INSERT ON tags BEGIN
    UPDATE review_list
        SET tag_list = (SELECT char(31) || group_concat(tag, char(31)) || char(31)
                        FROM (SELECT tag FROM tags WHERE assessment_id = new.assessment_id
                              ORDER BY tag))
        WHERE id = new.assessment_id;
END;
CREATE TRIGGER tags_unlisted AFTER DELETE ON tags BEGIN
    UPDATE review_list
        SET tag_list = (SELECT char(31) || group_concat(tag, char(31)) || char(31)
                        FROM (SELECT tag FROM tags WHERE assessment_id = old.assessment_id
                              ORDER BY tag))
        WHERE id = old.assessment_id;
END;

-- Backfill: only the few rows with notes or tags change; the others keep the NULL default.
UPDATE review_list
    SET note_text = (SELECT group_concat(body, char(31))
                     FROM (SELECT body FROM notes
                           WHERE assessment_id = review_list.id AND kind = 'note' ORDER BY id))
    WHERE id IN (SELECT assessment_id FROM notes WHERE kind = 'note');
UPDATE review_list
    SET tag_list = (SELECT char(31) || group_concat(tag, char(31)) || char(31)
                    FROM (SELECT tag FROM tags WHERE assessment_id = review_list.id ORDER BY tag))
    WHERE id IN (SELECT assessment_id FROM tags);

-- The walks: every column of the list in each index, so a walk reads index pages only. The sort
-- key and id lead (keyset position and tie-break); the rest is there to be tested and shown.
-- Each replaces the narrower index of the same order; ascending indexes serve both directions.
DROP INDEX review_list_created;
DROP INDEX review_list_score;
DROP INDEX review_list_flagged_created;
DROP INDEX review_list_flagged_score;
CREATE INDEX review_list_walk_created ON review_list (
    created_at, id, score, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text
);
CREATE INDEX review_list_walk_score ON review_list (
    score, id, created_at, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text
);
-- Within one status, within one verdict, and among flagged submissions (3% of them): a walk
-- there spends its budget on rows that already pass that filter, so rare combinations (won + a
-- tag, flagged + status + verdict) still fill pages. A verdict is a band of scores, so in a score
-- order a verdict walked along the whole list would pass every row of the other bands first
-- (a page of co-managed by highest score would search 20,000 managed rows and find none).
DROP INDEX review_list_status_created;
DROP INDEX review_list_status_score;
DROP INDEX review_list_recommendation_created;
DROP INDEX review_list_recommendation_score;
CREATE INDEX review_list_walk_status_created ON review_list (
    status, created_at, id, score, recommendation, flagged, employees, confidence, company,
    tag_list, note_text
);
CREATE INDEX review_list_walk_status_score ON review_list (
    status, score, id, created_at, recommendation, flagged, employees, confidence, company,
    tag_list, note_text
);
CREATE INDEX review_list_walk_recommendation_created ON review_list (
    recommendation, created_at, id, score, status, flagged, employees, confidence, company,
    tag_list, note_text
);
CREATE INDEX review_list_walk_recommendation_score ON review_list (
    recommendation, score, id, created_at, status, flagged, employees, confidence, company,
    tag_list, note_text
);
CREATE INDEX review_list_walk_flagged_created ON review_list (
    created_at, id, score, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text
) WHERE flagged IS NOT NULL;
CREATE INDEX review_list_walk_flagged_score ON review_list (
    score, id, created_at, recommendation, status, flagged, employees, confidence, company,
    tag_list, note_text
) WHERE flagged IS NOT NULL;
