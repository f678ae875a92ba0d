//! One integration-test binary (one link) for every cross-function scenario.

mod cases;
mod disclosure;
mod events;
mod interaction;
mod registration;
mod routes;
mod uploads;
