-- Server-wide values that must outlive a restart. The first is the key that signs the
-- questionnaire's form timestamps: regenerated at every start, it made a form opened before a
-- restart look forged after it, and the submission was flagged as spam.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT, WITHOUT ROWID;
