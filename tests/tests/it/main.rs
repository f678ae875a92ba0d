//! One integration-test binary (one link) for every cross-function scenario.

mod booking;
mod cases;
mod complaints;
mod disclosure;
mod edges;
mod events;
mod interaction;
mod registration;
mod routes;
mod uploads;
