//! The pure domain: types that parse, the catalogue model and the rules of the standard.
//! No I/O, no AWS, no HTTP types here.

pub mod account;
pub mod booking;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod complaint;
pub mod ids;
pub mod interaction;
pub mod kb;
pub mod redact;
pub mod tracking;
