-- Trails: a user's events (as the actor) and checks (as the officer), read in log order a page
-- at a time without sorting all of them.
CREATE INDEX audit_events_actor_log ON audit_events(actor_user_id, log_index);
CREATE INDEX checks_officer_log ON checks(officer_id, log_index);
