-- Truck city-entry restrictions (货车限行) of each city (an authority), as versions: editing
-- publishes a new version; the version in force at a moment is the latest whose effective_from
-- is not after it. Versions are never changed or deleted.

CREATE TABLE truck_restriction_versions (
    id INTEGER PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    -- 1, 2, 3 ... per authority
    version BIGINT NOT NULL,
    -- milliseconds since the Unix epoch
    effective_from BIGINT NOT NULL,
    -- the checked document: {"areas": GeoJSON FeatureCollection, "rules": [...]}
    document TEXT NOT NULL,
    note TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (authority_id, version)
);
CREATE INDEX truck_restriction_versions_in_force
    ON truck_restriction_versions(authority_id, effective_from);
