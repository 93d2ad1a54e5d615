-- Eligibility registries the authority keeps in epass (SPEC 3.4), filled by `epass registry import`.
-- ID numbers are never stored: people are found by the keyed look-up hash of their number
-- (HMAC-SHA256, see src/pii.rs). Every row names the import batch that last wrote it.
-- Timestamps are milliseconds since the Unix epoch; calendar dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE registry_imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('vehicles', 'licences', 'tests', 'health')),
    file_name TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    actor TEXT NOT NULL
);

CREATE TABLE registry_vehicles (
    plate TEXT PRIMARY KEY,
    vehicle_type TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    unresolved_violations BIGINT NOT NULL CHECK (unresolved_violations >= 0),
    legal_status TEXT NOT NULL CHECK (legal_status IN
        ('normal', 'inspection_overdue', 'scrapped', 'stolen', 'seized', 'deregistered')),
    updated_at BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES registry_imports(id)
);

CREATE TABLE registry_licences (
    -- the licence file number (档案编号), never the holder's ID number
    licence_number TEXT PRIMARY KEY,
    holder_id_hash BLOB NOT NULL,
    holder_name TEXT NOT NULL,
    -- space-separated class codes in canonical order, e.g. 'A2 C1'
    class_codes TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    issuing_office TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points >= 0),
    status TEXT NOT NULL CHECK (status IN
        ('valid', 'detained', 'suspended', 'overdue_exam', 'overdue_review', 'cancelled')),
    address TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES registry_imports(id)
);
CREATE INDEX registry_licences_holder ON registry_licences(holder_id_hash);

CREATE TABLE registry_tests (
    id INTEGER PRIMARY KEY,
    holder_id_hash BLOB NOT NULL,
    sampled_at BIGINT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('negative', 'positive')),
    institution TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES registry_imports(id),
    UNIQUE (holder_id_hash, sampled_at)
);

CREATE TABLE registry_health_codes (
    holder_id_hash BLOB PRIMARY KEY,
    colour TEXT NOT NULL CHECK (colour IN ('green', 'yellow', 'red')),
    updated_at BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES registry_imports(id)
);
