//! Distances on the Earth's surface.

/// The mean radius of the Earth (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A position in degrees (WGS 84).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Point {
    pub longitude: f64,
    pub latitude: f64,
}

/// The great-circle distance between two positions, in kilometres (haversine formula; within
/// 0.5% of the ellipsoidal distance, plenty for comparing travel times).
pub fn haversine_km(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(longitude: f64, latitude: f64) -> Point {
        Point {
            longitude,
            latitude,
        }
    }

    #[test]
    fn the_distance_from_a_place_to_itself_is_zero() {
        assert_eq!(haversine_km(p(110.0, 40.4), p(110.0, 40.4)), 0.0);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_km(p(110.0, 40.0), p(110.0, 41.0));
        assert!((d - 111.19).abs() < 0.1, "{d}");
    }

    #[test]
    fn beijing_to_shanghai_is_about_1068_km() {
        // Tiananmen (116.3975, 39.9087) to the Bund (121.4903, 31.2397).
        let d = haversine_km(p(116.3975, 39.9087), p(121.4903, 31.2397));
        assert!((d - 1068.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn antipodes_are_half_the_circumference_apart() {
        let d = haversine_km(p(0.0, 0.0), p(180.0, 0.0));
        assert!(
            (d - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6,
            "{d}"
        );
    }
}
