//! The document contract on the local-files adapter, its signed routes served on a loopback port.

mod local_files {
    use wangban_tests::doc_contract::DocBench;

    wangban_tests::document_store_contract!(DocBench::local_files());

    mod url_security {
        use wangban_tests::doc_contract::DocBench;

        wangban_tests::document_url_security_contract!(DocBench::local_files());
    }
}
