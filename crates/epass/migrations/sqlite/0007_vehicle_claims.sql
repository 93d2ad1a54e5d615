-- One vehicle, one pass, by time range instead of by day: a pass of a year held 366 rows of
-- `vehicle_days`, which made bulk issuance write hundreds of rows per pass. A claim is one row;
-- overlapping claims of the same vehicle and kind are refused by the database itself (here a
-- trigger, since SQLite serialises writers; an exclusion constraint on PostgreSQL).

CREATE TABLE vehicle_claims (
    pass_id BIGINT PRIMARY KEY REFERENCES passes(id),
    kind TEXT NOT NULL,
    plate TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    CHECK (valid_from < valid_until)
);
CREATE INDEX vehicle_claims_vehicle ON vehicle_claims(kind, plate, valid_from);

INSERT INTO vehicle_claims (pass_id, kind, plate, valid_from, valid_until)
SELECT p.id, p.kind, p.plate, p.valid_from, p.valid_until FROM passes p
WHERE EXISTS (SELECT 1 FROM vehicle_days d WHERE d.pass_id = p.id);

DROP TABLE vehicle_days;

CREATE TRIGGER vehicle_claims_no_overlap_on_insert BEFORE INSERT ON vehicle_claims
WHEN EXISTS (
    SELECT 1 FROM vehicle_claims c
    WHERE c.kind = NEW.kind AND c.plate = NEW.plate
      AND c.valid_from < NEW.valid_until AND NEW.valid_from < c.valid_until
)
BEGIN
    SELECT RAISE(ABORT, 'vehicle_claims_overlap');
END;

CREATE TRIGGER vehicle_claims_no_overlap_on_update
BEFORE UPDATE OF kind, plate, valid_from, valid_until ON vehicle_claims
WHEN EXISTS (
    SELECT 1 FROM vehicle_claims c
    WHERE c.pass_id <> NEW.pass_id AND c.kind = NEW.kind AND c.plate = NEW.plate
      AND c.valid_from < NEW.valid_until AND NEW.valid_from < c.valid_until
)
BEGIN
    SELECT RAISE(ABORT, 'vehicle_claims_overlap');
END;
