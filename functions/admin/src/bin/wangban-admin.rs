//! `wangban-admin`: creates the DynamoDB table and seeds a cloud deployment (see
//! `wangban_admin::tool` for the commands).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match wangban_admin::tool::run(&args).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wangban-admin: {e}");
            ExitCode::from(2)
        }
    }
}
