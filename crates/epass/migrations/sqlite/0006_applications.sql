-- Applications, their review decisions, the passes issued from them, vehicle occupancy
-- (one vehicle, one pass: enforced by a primary key), and recorded checks.

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    pass_type_id BIGINT NOT NULL REFERENCES pass_types(id),
    pass_type_version BIGINT NOT NULL,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    applicant_id BIGINT NOT NULL REFERENCES users(id),
    -- the organisation whose level-1 reviewers act (the applicant's)
    org_id BIGINT REFERENCES orgs(id),
    -- the submitted values as JSON, with ID numbers replaced by their masked form
    form TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_id_sealed BLOB,
    holder_id_masked TEXT,
    plate TEXT,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in_review', 'returned', 'rejected', 'issued', 'withdrawn')),
    level BIGINT NOT NULL,
    -- 2 urgent, 1 green channel, 0 normal: queues sort on it
    priority BIGINT NOT NULL,
    level_due_at BIGINT,
    promised_at BIGINT NOT NULL,
    eligibility TEXT,
    round BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    submitted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_queue ON applications(status, level, priority, level_due_at);
CREATE INDEX applications_applicant ON applications(applicant_id, id);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    round BIGINT NOT NULL,
    level BIGINT NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    reviewer_role TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'return')),
    reason_code TEXT,
    reason_text TEXT,
    -- what the reviewer saw: the application version and its eligibility results
    seen TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
-- One decision per level and round: two reviewers cannot both decide it.
CREATE UNIQUE INDEX decisions_once ON decisions(application_id, round, level);
CREATE INDEX decisions_reviewer ON decisions(reviewer_id, id);

CREATE TABLE pass_serials (
    issuer_code TEXT PRIMARY KEY,
    next_serial BIGINT NOT NULL
);

CREATE TABLE passes (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL UNIQUE REFERENCES applications(id),
    pass_number TEXT NOT NULL UNIQUE,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    issuer_code TEXT NOT NULL,
    kid TEXT NOT NULL,
    status_index BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    holder_id BIGINT NOT NULL REFERENCES users(id),
    holder_name TEXT NOT NULL,
    holder_id_masked TEXT,
    plate TEXT,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    credential TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    status_changed_at BIGINT
);
CREATE UNIQUE INDEX passes_status_index ON passes(issuer_code, status_index);

-- One row per vehicle, kind and day of a live pass: a second pass overlapping any day of the
-- same vehicle and kind violates the primary key, on every engine.
CREATE TABLE vehicle_days (
    kind TEXT NOT NULL,
    plate TEXT NOT NULL,
    day BIGINT NOT NULL,
    pass_id BIGINT NOT NULL REFERENCES passes(id),
    PRIMARY KEY (kind, plate, day)
);
CREATE INDEX vehicle_days_pass ON vehicle_days(pass_id);

CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    pass_id BIGINT REFERENCES passes(id),
    pass_number TEXT,
    checkpoint_id BIGINT,
    officer_id BIGINT NOT NULL REFERENCES users(id),
    longitude DOUBLE PRECISION,
    latitude DOUBLE PRECISION,
    checked_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    -- the device's own id for a check made offline, so an upload can be repeated safely
    client_ref TEXT UNIQUE,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX checks_pass ON checks(pass_id, checked_at);
