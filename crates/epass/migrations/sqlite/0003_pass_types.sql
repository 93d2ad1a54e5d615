-- Pass types are data: each authority owns its types (form, checks, workflow, validity, rules as
-- versioned JSON) and its working-day calendar (holidays and make-up working days).

CREATE TABLE pass_types (
    id INTEGER PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('personnel_vehicle', 'freight', 'truck_entry', 'driving_licence')),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- copied from the definition so that queues can sort on it in SQL
    priority TEXT NOT NULL CHECK (priority IN ('normal', 'green_channel', 'urgent')),
    definition TEXT NOT NULL,
    -- 1 at creation, +1 on every edit; the previous definition is in the audit event
    version BIGINT NOT NULL DEFAULT 1,
    active_from BIGINT NOT NULL,
    retired_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pass_types_code ON pass_types(authority_id, code);

CREATE TABLE holidays (
    id INTEGER PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    -- YYYY-MM-DD in Beijing time; text sorts as dates do
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX holidays_day ON holidays(authority_id, day);
