-- The invitation flow (SPEC §3.2): pass requests (通行申报单) with their places and invitation
-- code, the applications drivers file against them, and the earlier rounds of applications that
-- were returned, corrected and resubmitted.

CREATE TABLE pass_requests (
    id INTEGER PRIMARY KEY,
    pass_type_id BIGINT NOT NULL REFERENCES pass_types(id),
    -- the authority that owns the pass type and approves the request
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    -- the organisation filing it; its level-1 reviewers review the drivers' applications
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    places BIGINT NOT NULL CHECK (places > 0),
    -- counted by the database in the transaction that files each application
    places_used BIGINT NOT NULL DEFAULT 0,
    -- form values every application of the request gets (zones, road sections…), JSON
    preset TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'closed')),
    -- the invitation code, set on approval
    code TEXT UNIQUE,
    decided_by BIGINT REFERENCES users(id),
    reason_code TEXT,
    reason_text TEXT,
    decided_at BIGINT,
    closed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (places_used >= 0 AND places_used <= places)
);
CREATE INDEX pass_requests_org ON pass_requests(org_id, id);
CREATE INDEX pass_requests_status ON pass_requests(status, id);

ALTER TABLE applications ADD COLUMN request_id BIGINT REFERENCES pass_requests(id);
-- One application per driver and request (NULLs, i.e. direct applications, never collide).
CREATE UNIQUE INDEX applications_request_applicant ON applications(request_id, applicant_id);

-- What an application said in each earlier round, kept when it is resubmitted.
CREATE TABLE application_rounds (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    round BIGINT NOT NULL,
    pass_type_version BIGINT NOT NULL,
    form TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_id_masked TEXT,
    plate TEXT,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    eligibility TEXT,
    promised_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, round)
);
