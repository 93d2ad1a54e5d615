-- Registry imports started from the system administrator's pages: one row per uploaded file,
-- written when the upload is accepted and again when the import ends, so the page can show it
-- running and then its report. A file with mistakes imports nothing (the importer's contract);
-- its line errors are kept here as JSON: [{"line", "field", "code", "zh", "en"}].

CREATE TABLE registry_import_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('vehicles', 'licences', 'tests', 'health')),
    file_name TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- running, imported (rows written), rejected (mistakes, nothing written), failed (an error)
    status TEXT NOT NULL CHECK (status IN ('running', 'imported', 'rejected', 'failed')),
    rows_read BIGINT NOT NULL DEFAULT 0,
    -- the batch that wrote the rows, once imported
    import_id BIGINT REFERENCES registry_imports(id),
    errors TEXT NOT NULL DEFAULT '[]',
    errors_omitted BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX registry_import_runs_started ON registry_import_runs(started_at);
