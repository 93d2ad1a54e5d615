-- One vehicle, one pass, by time range instead of by day: a pass of a year held 366 rows of
-- `vehicle_days`, which made bulk issuance write hundreds of rows per pass. A claim is one row;
-- overlapping claims of the same vehicle and kind are refused by an exclusion constraint, which
-- holds under concurrent transactions (btree_gist is a trusted extension: a database owner may
-- create it).

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE vehicle_claims (
    pass_id BIGINT PRIMARY KEY REFERENCES passes(id),
    kind TEXT NOT NULL,
    plate TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    CHECK (valid_from < valid_until),
    CONSTRAINT vehicle_claims_overlap
        EXCLUDE USING gist (kind WITH =, plate WITH =, int8range(valid_from, valid_until) WITH &&)
);

INSERT INTO vehicle_claims (pass_id, kind, plate, valid_from, valid_until)
SELECT p.id, p.kind, p.plate, p.valid_from, p.valid_until FROM passes p
WHERE EXISTS (SELECT 1 FROM vehicle_days d WHERE d.pass_id = p.id);

DROP TABLE vehicle_days;
