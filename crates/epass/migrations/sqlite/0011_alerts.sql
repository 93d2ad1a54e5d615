-- Alerts for supervisors, computed continuously from recorded checks and audit events by
-- `actions::alerts::scan`. Each alert keeps its evidence (the ids of the checks or events that
-- raised it, and the figures); its fingerprint makes rescanning raise nothing twice.

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    -- impossible_travel, outside_zone, outside_time, checked_after_revocation, unlogged_pass,
    -- reviewer_volume, reviewer_speed, bulk_personal_data, failed_logins
    kind TEXT NOT NULL,
    -- the authority (root organisation) whose supervisors see it; NULL: every authority's
    authority_id BIGINT REFERENCES orgs(id),
    pass_id BIGINT REFERENCES passes(id),
    pass_number TEXT,
    user_id BIGINT REFERENCES users(id),
    summary_zh TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    -- JSON: ids of the checks/events and the figures compared with their thresholds
    evidence TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    -- when what raised it happened (a check's time, the last event's time)
    occurred_at BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    acknowledged_by BIGINT REFERENCES users(id),
    acknowledged_at BIGINT,
    note TEXT
);
CREATE INDEX alerts_authority ON alerts(authority_id, id);
CREATE INDEX alerts_episode ON alerts(kind, user_id, occurred_at);

-- How far the scan has read, one row.
CREATE TABLE alert_cursor (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_check_id BIGINT NOT NULL,
    last_event_id BIGINT NOT NULL,
    scanned_at BIGINT
);
INSERT INTO alert_cursor (id, last_check_id, last_event_id, scanned_at) VALUES (1, 0, 0, NULL);

-- Sliding-window counts of one account's reads of personal data.
CREATE INDEX audit_events_actor_action ON audit_events(actor_user_id, action, at);
-- A day's decisions, for comparing reviewers with their peers.
CREATE INDEX decisions_decided_at ON decisions(decided_at);
