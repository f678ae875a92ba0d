//! `wangban-admin`: seeds a fresh cloud deployment the way the local server seeds itself.
//!
//! ```text
//! wangban-admin create-table TABLE
//!     Creates the DynamoDB table from the one table definition (nothing if it exists).
//! wangban-admin seed --table TABLE --bucket BUCKET [--calendar FILE] [--demo-staff]
//!     Loads the demo catalogue (records into the table, form templates into the bucket) and the
//!     holiday notices (the shipped ones, or FILE in the same format) and recomputes open cases'
//!     deadlines. With --demo-staff, also creates the demo staff accounts with the password in
//!     WANGBAN_DEMO_PASSWORD (required then; never a default, never from the command line).
//! wangban-admin keygen FILE
//!     Writes a new token signing key (Ed25519, PKCS#8 PEM, owner-only) to FILE and prints its
//!     public key, the `SigningPublicKey` parameter of the SAM template.
//! ```
//!
//! The AWS SDK takes region, credentials and endpoint (`AWS_ENDPOINT_URL` for an emulator) from
//! the standard variables. Running `seed` twice changes nothing the second time.

use std::sync::Arc;

use wangban_shared::{
    auth::PrivateKey,
    clock::SystemClock,
    config::AppContext,
    docs::{DocumentStore, s3::S3Documents},
    domain::{
        account::NewPassword,
        calendar::{Calendar, YearNotice},
    },
    seed,
    store::{
        RecordStore,
        calendar::save_notice,
        dynamo::{DynamoStore, create_table, table_exists},
    },
};

pub const USAGE: &str = "usage:
  wangban-admin create-table TABLE
  wangban-admin seed --table TABLE --bucket BUCKET [--calendar FILE] [--demo-staff]
  wangban-admin keygen FILE";

/// A failure, as the one line the command prints.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

fn fail(e: impl std::fmt::Display) -> ToolError {
    ToolError(e.to_string())
}

/// Runs one command (the arguments after the program name); returns what it prints.
pub async fn run(args: &[String]) -> Result<String, ToolError> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["create-table", table] => {
            let client = aws_sdk_dynamodb::Client::new(&wangban_shared::aws::sdk_config().await);
            if table_exists(&client, table).await.map_err(fail)? {
                return Ok(format!("table {table} exists; nothing to do"));
            }
            create_table(&client, table).await.map_err(fail)?;
            Ok(format!("table {table} created"))
        }
        ["seed", rest @ ..] => seed_command(rest).await,
        ["keygen", file] => keygen(file),
        _ => Err(ToolError(USAGE.into())),
    }
}

async fn seed_command(args: &[&str]) -> Result<String, ToolError> {
    let (mut table, mut bucket, mut calendar, mut staff) = (None, None, None, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--table" => table = rest.next().copied(),
            "--bucket" => bucket = rest.next().copied(),
            "--calendar" => calendar = rest.next().copied(),
            "--demo-staff" => staff = true,
            _ => return Err(ToolError(USAGE.into())),
        }
    }
    let (Some(table), Some(bucket)) = (table, bucket) else { return Err(ToolError(USAGE.into())) };
    let calendar_json = match calendar {
        Some(path) => std::fs::read_to_string(path).map_err(|e| ToolError(format!("{path}: {e}")))?,
        None => wangban_shared::domain::calendar::SHIPPED_JSON.to_owned(),
    };
    let password = if staff {
        let password = std::env::var("WANGBAN_DEMO_PASSWORD")
            .map_err(|_| ToolError("--demo-staff needs the password in WANGBAN_DEMO_PASSWORD".into()))?;
        NewPassword::parse(&password, &[]).map_err(|e| ToolError(format!("WANGBAN_DEMO_PASSWORD: {e}")))?;
        Some(password)
    } else {
        None
    };
    let config = wangban_shared::aws::sdk_config().await;
    let store: Arc<dyn RecordStore> =
        Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table));
    let clock = Arc::new(SystemClock);
    let docs: Arc<dyn DocumentStore> =
        Arc::new(S3Documents::new(S3Documents::client(&config), bucket, clock.clone()));
    let ctx = AppContext::new(store, docs, PrivateKey::generate(), clock);
    let report = seed_all(&ctx, &calendar_json, password.as_deref()).await?;
    Ok(format!(
        "catalogue: {:?}; holiday notices loaded: {:?}; open cases recomputed: {}; demo staff created: {}",
        report.catalogue, report.years, report.recomputed, report.staff
    ))
}

#[derive(Debug)]
pub struct SeedReport {
    pub catalogue: seed::SeedOutcome,
    pub years: Vec<i32>,
    pub recomputed: usize,
    pub staff: usize,
}

/// The holiday notices of a calendar file (the format of `shared/seed/cn-holidays.json`), each
/// checked as the admin route checks one.
pub fn notices(json: &str) -> Result<Vec<(i32, YearNotice)>, ToolError> {
    let file: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ToolError(format!("calendar: {e}")))?;
    let years = file["years"].as_object().ok_or_else(|| ToolError("calendar: no \"years\"".into()))?;
    let mut out = Vec::new();
    for (key, value) in years {
        let year: i32 = key.parse().map_err(|_| ToolError(format!("calendar: year {key:?}")))?;
        let notice: YearNotice =
            serde_json::from_value(value.clone()).map_err(|e| ToolError(format!("calendar {year}: {e}")))?;
        Calendar::default()
            .with_year(year, notice.clone())
            .map_err(|e| ToolError(format!("calendar {year}: {e}")))?;
        out.push((year, notice));
    }
    Ok(out)
}

/// Catalogue, holiday notices (then every open case's deadlines), and optionally demo staff.
pub async fn seed_all(
    ctx: &AppContext,
    calendar_json: &str,
    staff_password: Option<&str>,
) -> Result<SeedReport, ToolError> {
    let notices = notices(calendar_json)?;
    let catalogue = seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await.map_err(fail)?;
    let mut years = Vec::new();
    for (year, notice) in notices {
        save_notice(ctx.store.as_ref(), year, &notice).await.map_err(fail)?;
        years.push(year);
    }
    ctx.calendar.invalidate();
    let recomputed = crate::recompute_open_cases(ctx).await.map_err(|e| ToolError(e.detail))?;
    let staff = match staff_password {
        Some(password) => {
            seed::load_demo_staff(ctx.store.as_ref(), password, time::OffsetDateTime::now_utc())
                .await
                .map_err(fail)?
        }
        None => 0,
    };
    Ok(SeedReport { catalogue, years, recomputed, staff })
}

/// Writes a new signing key owner-only; refuses to overwrite one.
fn keygen(path: &str) -> Result<String, ToolError> {
    let key = PrivateKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| ToolError(format!("{path}: {e}")))?;
    std::io::Write::write_all(&mut file, key.to_pem().as_bytes())
        .map_err(|e| ToolError(format!("{path}: {e}")))?;
    Ok(format!(
        "signing key written to {path} (keep it secret; put it in the signing-key secret)\nSigningPublicKey={}",
        key.public().x()
    ))
}
