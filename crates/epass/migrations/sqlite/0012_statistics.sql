-- Dashboard statistics, kept up to date incrementally from the tamper-evident log (see
-- actions/statistics.rs): nothing is counted over the big tables when the dashboard asks.
--
-- Every figure is stored in three or four "cubes": 0 for the whole authority (pass_type_id,
-- org_id and checkpoint_id all -1), 1 per pass type, 2 per organisation, and 3 (checks only)
-- per checkpoint; -1 means "all". The cube comes before the day in the key, so a query reads
-- only its cube's rows of the days asked for. Days are Beijing calendar days counted from
-- 1970-01-01; flows are also added to their month, under a negative key (see `month_key`).

-- Additive counters. Flows (submitted, decided, issued, checks...) are on the day they
-- happened; `now.applications` (applications by current state) is on day 0; `passes.live_until`
-- counts active passes by the day their validity ends.
CREATE TABLE statistics_counts (
    authority_id BIGINT NOT NULL,
    cube BIGINT NOT NULL,
    pass_type_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    checkpoint_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    metric TEXT NOT NULL,
    item TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (authority_id, cube, day, pass_type_id, org_id, checkpoint_id, metric, item)
);

-- Review times: decisions per fixed log-spaced bucket of minutes, on the day of the decision.
CREATE TABLE statistics_review_times (
    authority_id BIGINT NOT NULL,
    cube BIGINT NOT NULL,
    pass_type_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    level BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    decisions BIGINT NOT NULL,
    PRIMARY KEY (authority_id, cube, day, pass_type_id, org_id, level, bucket)
);

-- Applications waiting at a level, with when that level started (a review time is measured
-- from it). Only what is in review is here.
CREATE TABLE statistics_open (
    application_id BIGINT PRIMARY KEY,
    level BIGINT NOT NULL,
    since BIGINT NOT NULL
);

-- How far the log has been rolled up: the leaves below `position` are counted. Moved in the
-- transaction that adds them, so a roll-up counts each leaf once.
CREATE TABLE statistics_cursor (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO statistics_cursor (id, position, updated_at) VALUES (1, 0, 0);

-- The roll-up reads the log's new leaves by position.
CREATE INDEX audit_events_log_index ON audit_events(log_index);
CREATE INDEX checks_log_index ON checks(log_index);
