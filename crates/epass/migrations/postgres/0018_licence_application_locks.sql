-- One row per licence number ever applied for. An application first upserts its number's row,
-- which holds the row (PostgreSQL) or the database (SQLite) until it commits, and only then
-- looks for a pending application of that number: two applications sent at the same instant
-- are taken one after the other, so the second sees the first and is refused.

CREATE TABLE licence_application_locks (
    licence_number TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
