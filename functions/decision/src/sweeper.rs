//! The statutory clock, applied on a schedule (EventBridge in the cloud, a timer in the local
//! server): a case whose acceptance deadline passed with no decision is deemed accepted as of
//! receipt (行政许可法 Art. 32). Idempotent: a case already moved is skipped.

use serde::Serialize;
use time::Duration;
use wangban_shared::{
    config::AppContext,
    domain::{
        case::{Actor, Command, Stage, china_date},
        catalogue::iso_date,
    },
    http::ApiResult,
    store::{cases, catalogue},
    workflow,
};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub departments: usize,
    pub deemed_accepted: usize,
    /// Cases in review past their decision deadline (flagged in the queues).
    pub overdue_in_review: usize,
}

pub async fn sweep(ctx: &AppContext) -> ApiResult<SweepReport> {
    let today = china_date(ctx.clock.now());
    let yesterday = iso_date::format(today - Duration::days(1));
    let mut report = SweepReport::default();
    for department in catalogue::departments(ctx.store.as_ref()).await? {
        report.departments += 1;
        for case in cases::due_by(ctx.store.as_ref(), &department.id, Stage::Acceptance, &yesterday).await? {
            if !case.value.acceptance_lapsed(today) {
                continue;
            }
            let year = case.value.received_on.year();
            let deem = workflow::apply_with(ctx, &case.value.id, &Actor::System, |c| {
                let (store, department, id) = (ctx.store.clone(), c.department_id.clone(), c.id.clone());
                async move {
                    let (no, ops) = cases::next_acceptance_no(store.as_ref(), &department, year, &id).await?;
                    Ok((Command::DeemAccept { acceptance_no: no }, ops))
                }
            });
            match deem.await {
                Ok(_) => report.deemed_accepted += 1,
                // Decided meanwhile by a clerk, or by another sweeper run.
                Err(e) if e.status.is_client_error() => {}
                Err(e) => return Err(e),
            }
        }
        let overdue = cases::due_by(ctx.store.as_ref(), &department.id, Stage::Review, &yesterday).await?;
        report.overdue_in_review += overdue.len();
    }
    tracing::info!(?report, "sweep");
    Ok(report)
}
