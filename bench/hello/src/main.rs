//! The smallest lambda_http function: answers every request with "hello". scripts/bench-lambda.sh
//! compares each wangban function's binary size and cold start with this one's.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async { Ok::<_, Error>(Response::new(Body::from("hello"))) }))
        .await
}
