//! Integration tests of the epass credential: format, verification outcomes, bundles, status
//! lists, committed vectors, bit-flip properties, QR.

mod bundle;
mod common;
mod delta;
mod format;
mod merkle;
mod props;
#[cfg(feature = "qr")]
mod qr;
mod status;
mod vectors;
mod verify;
