//! One integration-test binary (one link) for every cross-function scenario.
//!
//! With `--features emulators` (what `scripts/test.sh` runs) the same binary also holds the
//! tests against the AWS emulators: the store contract on DynamoDB, the document contract on S3,
//! the admin tool, and the scenarios marked [`on_every_backend!`] again on DynamoDB + S3.

/// Runs each named scenario, an `async fn name(app: TestApp)`, as `name::sqlite` on SQLite +
/// local files and, with the `emulators` feature, as `name::dynamodb_s3` on a fresh DynamoDB
/// table and S3 bucket (moto). Add a scenario of another feature by naming it here too.
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(wangban_tests::TestApp::spawn().await).await;
                }

                #[cfg(feature = "emulators")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn dynamodb_s3() {
                    super::$name(wangban_tests::TestApp::spawn_cloud().await).await;
                }
            }
        )+
    };
}

mod booking;
mod cases;
#[cfg(feature = "emulators")]
mod cloud;
mod complaints;
mod disclosure;
mod documents;
mod edges;
mod events;
mod interaction;
mod registration;
mod routes;
mod template;
mod uploads;
