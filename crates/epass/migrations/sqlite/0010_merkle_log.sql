-- The tamper-evident log (RFC 9162 hashing): every audit event and every recorded check is a
-- leaf, appended in the transaction that writes it. `log_index` is the row's leaf position.
-- Rows written before this migration stay outside the log (ids up to the `legacy_*` bounds).

ALTER TABLE audit_events ADD COLUMN log_index BIGINT;
ALTER TABLE checks ADD COLUMN log_index BIGINT;

-- The log's tail, one row: locking it serialises appends, so leaf order is commit order.
CREATE TABLE merkle_log (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    root BLOB NOT NULL,
    -- roots of the complete subtrees making up the log, widest first (32 bytes each)
    frontier BLOB NOT NULL,
    -- leaf hashes of the unfinished block of 16
    tail BLOB NOT NULL,
    legacy_event_id BIGINT NOT NULL,
    legacy_check_id BIGINT NOT NULL
);
INSERT INTO merkle_log (id, size, root, frontier, tail, legacy_event_id, legacy_check_id)
VALUES (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', X'', X'',
        (SELECT COALESCE(MAX(id), 0) FROM audit_events), (SELECT COALESCE(MAX(id), 0) FROM checks));

-- Complete subtrees of 16 leaves and more, written once when they complete.
CREATE TABLE merkle_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The leaf hashes of each complete block of 16 leaves, concatenated.
CREATE TABLE merkle_blocks (
    idx BIGINT PRIMARY KEY,
    leaves BLOB NOT NULL
);

-- Signed tree heads, append-only.
CREATE TABLE merkle_tree_heads (
    id INTEGER PRIMARY KEY,
    size BIGINT NOT NULL,
    root BLOB NOT NULL,
    at BIGINT NOT NULL,
    kid TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX merkle_tree_heads_size ON merkle_tree_heads(size);

-- The log's own signing key(s), sealed under the master key.
CREATE TABLE merkle_log_keys (
    id INTEGER PRIMARY KEY,
    kid TEXT NOT NULL UNIQUE,
    alg TEXT NOT NULL,
    public_key BLOB NOT NULL,
    secret_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
