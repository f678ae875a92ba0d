//! Tests against the AWS emulators (feature `emulators`): they fail, never skip, when
//! `scripts/test.sh` did not start them.

mod admin;
mod contracts;
mod secrets;
mod uploads;
