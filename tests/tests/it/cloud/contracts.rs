//! The backend contracts on the cloud adapters: the very suites the embedded adapters pass.

/// `RecordStore` on DynamoDB (moto): one fresh table per test process, created from THE
/// definition; the cases use random partitions, so they may share it.
mod dynamodb {
    use std::sync::Arc;

    use tokio::sync::OnceCell;
    use wangban_shared::store::{RecordStore, dynamo::DynamoStore};
    use wangban_tests::emulators;

    static TABLE: OnceCell<String> = OnceCell::const_new();

    /// A client of this test's runtime on the run's table.
    async fn store() -> Arc<dyn RecordStore> {
        let name = TABLE.get_or_init(|| async { emulators::fresh_table().await.table().to_owned() }).await;
        let config = emulators::sdk_config(&emulators::moto()).await;
        Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), name))
    }

    wangban_shared::record_store_contract!(store());
}

/// `DocumentStore` on S3 served by moto, which does not check signatures.
mod s3_on_moto {
    use std::sync::Arc;

    use wangban_shared::clock::SystemClock;
    use wangban_tests::{doc_contract::DocBench, emulators};

    async fn bench() -> DocBench {
        DocBench::on(
            Arc::new(emulators::fresh_bucket(&emulators::moto(), Arc::new(SystemClock)).await),
            false,
        )
    }

    wangban_tests::document_store_contract!(bench());
}

/// `DocumentStore` on S3 served by s3s-fs, which checks SigV4 signatures and expiry: the whole
/// contract, and the proof that tampered and expired presigned URLs are refused.
mod s3_on_s3s_fs {
    use std::sync::Arc;

    use wangban_shared::clock::SystemClock;
    use wangban_tests::{doc_contract::DocBench, emulators};

    async fn bench() -> DocBench {
        DocBench::on(Arc::new(emulators::fresh_bucket(&emulators::s3s(), Arc::new(SystemClock)).await), true)
    }

    wangban_tests::document_store_contract!(bench());

    mod url_security {
        wangban_tests::document_url_security_contract!(super::bench());
    }
}
