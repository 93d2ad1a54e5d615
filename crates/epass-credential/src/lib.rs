//! The epass pass credential: format, signing, verification, trust and status lists, QR.
