-- Signing keys of each authority (a root key signing its verifier bundles, issuer keys signing
-- credentials), sealed at rest under the master key; and the published verifier bundles.

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('root', 'issuer')),
    -- the issuing office's 6-digit division code (issuer keys)
    issuer_code TEXT,
    alg TEXT NOT NULL,
    kid TEXT NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    secret_sealed BLOB NOT NULL,
    -- kinds of credential an issuer key may sign, comma-separated numbers
    kinds TEXT NOT NULL DEFAULT '',
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    -- rotated out: signs nothing new, still verifies what it signed
    retired_at BIGINT,
    -- withdrawn: everything it signed is invalid
    withdrawn_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX signing_keys_authority ON signing_keys(authority_id, purpose);

CREATE TABLE bundles (
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    version BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    signed BLOB NOT NULL,
    PRIMARY KEY (authority_id, version)
);
