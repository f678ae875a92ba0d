//! One integration-test binary (one link) for every cross-function scenario.

mod booking;
mod cases;
mod disclosure;
mod events;
mod registration;
mod routes;
mod uploads;
