-- Electronic driving licences (电子驾驶证): the registry's stored photos, one row per licence
-- application (first issue, photo change, re-application, registry-driven re-issue), and the
-- holder's consent codes for relying parties.

CREATE TABLE registry_licence_photos (
    licence_number TEXT PRIMARY KEY,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes BLOB NOT NULL,
    imported_at BIGINT NOT NULL
);

-- Each row is one issue of a licence, tied to its application (and, once issued, its pass).
-- The live one of a licence number is the latest issued row not yet replaced.
CREATE TABLE e_licences (
    id INTEGER PRIMARY KEY,
    licence_number TEXT NOT NULL,
    holder_id BIGINT NOT NULL REFERENCES users(id),
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    application_id BIGINT NOT NULL UNIQUE REFERENCES applications(id),
    pass_id BIGINT REFERENCES passes(id),
    -- 'first', 'photo_change', 'reapply', 'registry_change'
    reason TEXT NOT NULL CHECK (reason IN ('first', 'photo_change', 'reapply', 'registry_change')),
    -- the registry record the credential is signed from, as JSON
    record TEXT NOT NULL,
    photo_source TEXT NOT NULL CHECK (photo_source IN ('registry', 'upload', 'counter')),
    photo_document_id BIGINT REFERENCES documents(id),
    -- the licensing-office clerk who applied on the holder's behalf, if one did
    clerk_id BIGINT REFERENCES users(id),
    replaced_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX e_licences_number ON e_licences(licence_number, id);
CREATE INDEX e_licences_holder ON e_licences(holder_id, id);

-- A consent code lets one relying party see one licence's data: once, or until it expires.
CREATE TABLE licence_consents (
    id INTEGER PRIMARY KEY,
    licence_number TEXT NOT NULL,
    holder_id BIGINT NOT NULL REFERENCES users(id),
    relying_party_id BIGINT NOT NULL REFERENCES orgs(id),
    -- SHA-256 of the code; the code itself is shown to the holder once
    code_hash BLOB NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('once', 'until_expiry')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    last_viewed_at BIGINT,
    withdrawn_at BIGINT
);
CREATE INDEX licence_consents_holder ON licence_consents(holder_id, id);
