//! A plain HTTP/1.1 client for the URLs the platform hands out (presigned S3 URLs, the local
//! signed routes served on a loopback port): what a browser or curl would do with them.

use std::collections::BTreeMap;

use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request; panics only on a transport failure (the server is part of the test).
pub async fn send(method: &str, url: &str, headers: &BTreeMap<String, String>, body: Vec<u8>) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, bytes }
}

pub async fn get(url: &str) -> Answer {
    send("GET", url, &BTreeMap::new(), Vec::new()).await
}
