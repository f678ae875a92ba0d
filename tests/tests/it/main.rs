//! One integration-test binary (one link) for every cross-function scenario.

mod cases;
mod complaints;
mod disclosure;
mod events;
mod registration;
mod routes;
mod uploads;
