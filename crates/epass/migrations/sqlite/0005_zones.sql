-- Zones (GeoJSON polygons) and road sections (GeoJSON lines with a corridor width) of each
-- authority, whose ids credentials carry; and the checkpoints (卡口) where passes are checked.

CREATE TABLE zones (
    -- the numeric id carried in credentials (claims 6 and 7): never reused
    id INTEGER PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL CHECK (kind IN ('zone', 'road_section')),
    name_zh TEXT NOT NULL,
    name_en TEXT,
    -- GeoJSON geometry object: (Multi)Polygon for zones, (Multi)LineString for road sections
    geometry TEXT NOT NULL,
    -- full corridor width in metres (road sections only)
    corridor_m REAL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- retired zones leave the bundle catalogue; passes naming them no longer verify inside them
    retired_at BIGINT,
    CHECK ((kind = 'road_section') = (corridor_m IS NOT NULL))
);
CREATE INDEX zones_authority ON zones(authority_id, retired_at);

CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    -- the owning organisation
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    longitude REAL NOT NULL,
    latitude REAL NOT NULL,
    -- ids of the zones and road sections it guards, comma-separated (optional)
    guards TEXT,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX checkpoints_org ON checkpoints(org_id);
