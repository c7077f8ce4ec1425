-- Text search for the consultant list (`q`: text in the company name or in any note) without
-- reading every row. Each searchable text is one row of `search_docs`, indexed by an FTS5
-- trigram index, which answers substring queries of three or more characters. The trigram index
-- folds case more widely than LIKE does, so the list still applies LIKE to the few candidates it
-- returns: results are exactly those of the LIKE search it replaces.
--
-- The documents are an ordinary table with an INTEGER PRIMARY KEY (rowids that VACUUM and
-- VACUUM INTO keep), tied to their assessment by a foreign key, so retention's delete cascades
-- to them and their delete trigger takes them out of the index.
CREATE TABLE search_docs (
    id            INTEGER PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    body          TEXT NOT NULL
) STRICT;
CREATE INDEX search_docs_assessment ON search_docs (assessment_id);

CREATE VIRTUAL TABLE search_index USING fts5(
    body,
    content = 'search_docs',
    content_rowid = 'id',
    tokenize = 'trigram'
);

CREATE TRIGGER search_docs_indexed AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_index (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER search_docs_unindexed AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', old.id, old.body);
END;

-- Companies are never edited and notes are append-only, so inserts are all there is to follow.
CREATE TRIGGER assessments_searchable AFTER INSERT ON assessments
WHEN new.company IS NOT NULL AND new.company <> '' BEGIN
    INSERT INTO search_docs (assessment_id, body) VALUES (new.id, new.company);
END;
CREATE TRIGGER notes_searchable AFTER INSERT ON notes WHEN new.kind = 'note' BEGIN
    INSERT INTO search_docs (assessment_id, body) VALUES (new.assessment_id, new.body);
END;

INSERT INTO search_docs (assessment_id, body)
    SELECT id, company FROM assessments WHERE company IS NOT NULL AND company <> '';
INSERT INTO search_docs (assessment_id, body)
    SELECT assessment_id, body FROM notes WHERE kind = 'note' ORDER BY id;

-- The review list's own narrow copy of the columns it shows. An assessment row carries its whole
-- outcome (about 15 KB), so walking `assessments` in list order reads several pages a row, and a
-- filter that passes one row in a hundred costs seconds at a million rows; this table packs
-- dozens of rows a page. Triggers keep it in step, whatever code writes `assessments`.
CREATE TABLE review_list (
    id             TEXT PRIMARY KEY NOT NULL,
    created_at     TEXT NOT NULL,
    company        TEXT,
    employees      INTEGER NOT NULL,
    recommendation TEXT NOT NULL,
    confidence     TEXT NOT NULL,
    score          REAL NOT NULL,
    status         TEXT NOT NULL,
    flagged        TEXT
) STRICT, WITHOUT ROWID;

INSERT INTO review_list
    SELECT id, created_at, company, employees, recommendation, confidence, score, status, flagged
    FROM assessments;

CREATE TRIGGER assessments_listed AFTER INSERT ON assessments BEGIN
    INSERT INTO review_list
        VALUES (new.id, new.created_at, new.company, new.employees, new.recommendation,
                new.confidence, new.score, new.status, new.flagged);
END;
CREATE TRIGGER assessments_relisted AFTER UPDATE ON assessments BEGIN
    UPDATE review_list
        SET id = new.id, created_at = new.created_at, company = new.company,
            employees = new.employees, recommendation = new.recommendation,
            confidence = new.confidence, score = new.score, status = new.status,
            flagged = new.flagged
        WHERE id = old.id;
END;
CREATE TRIGGER assessments_unlisted AFTER DELETE ON assessments BEGIN
    DELETE FROM review_list WHERE id = old.id;
END;

-- Every sort order, alone and within each equality filter, so that a page is a walk along one
-- index that stops after it is full.
CREATE INDEX review_list_created ON review_list (created_at DESC, id DESC);
CREATE INDEX review_list_score ON review_list (score DESC, id DESC);
CREATE INDEX review_list_status_created ON review_list (status, created_at DESC, id DESC);
CREATE INDEX review_list_status_score ON review_list (status, score DESC, id DESC);
CREATE INDEX review_list_recommendation_created
    ON review_list (recommendation, created_at DESC, id DESC);
CREATE INDEX review_list_recommendation_score ON review_list (recommendation, score DESC, id DESC);
CREATE INDEX review_list_flagged_created ON review_list (created_at DESC, id DESC)
    WHERE flagged IS NOT NULL;
CREATE INDEX review_list_flagged_score ON review_list (score DESC, id DESC)
    WHERE flagged IS NOT NULL;
