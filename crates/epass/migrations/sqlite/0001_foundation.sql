-- Foundation: organisations, users and roles, sessions, one-time codes, API tokens, audit events, outbox.
-- Timestamps are milliseconds since the Unix epoch (BIGINT) in both engines.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES orgs(id),
    kind TEXT NOT NULL CHECK (kind IN ('authority', 'department', 'company')),
    name TEXT NOT NULL,
    division_code TEXT NOT NULL,
    credit_code TEXT,
    -- the user who accepted a credit code that fails its checksum (GB 32100 exceptions exist)
    credit_code_override_by BIGINT,
    -- materialised path '/1/4/9/' for subtree checks without recursive queries
    path TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_path ON orgs(path);
CREATE UNIQUE INDEX orgs_credit_code ON orgs(credit_code) WHERE credit_code IS NOT NULL;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id),
    password_hash TEXT,
    id_number_sealed BLOB,
    id_number_hash BLOB,
    id_number_masked TEXT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_id_number_hash ON users(id_number_hash) WHERE id_number_hash IS NOT NULL;

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role, org_id)
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_addr TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE otp_codes (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    client_addr TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX otp_codes_phone ON otp_codes(phone, created_at);
CREATE INDEX otp_codes_addr ON otp_codes(client_addr, created_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_role TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_summary TEXT,
    after_summary TEXT,
    client_addr TEXT
);
CREATE INDEX audit_events_object ON audit_events(object_type, object_id);
CREATE INDEX audit_events_actor ON audit_events(actor_user_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES outbox(id),
    at BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    error TEXT
);
CREATE INDEX outbox_attempts_message ON outbox_attempts(message_id);
