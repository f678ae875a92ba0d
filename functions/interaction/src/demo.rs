//! Demo interaction data for the local server's first start: three consultations about demo
//! items, answered by their departments and published (so the public replies and the knowledge
//! base have real answers), and an open platform survey. Written through the same domain rules
//! as real requests, in one transaction with a marker, so it is loaded once.

use serde_json::json;
use time::{Duration, OffsetDateTime};
use wangban_shared::{
    config::AppContext,
    domain::{
        case::china_date,
        ids::ItemCode,
        interaction::{
            consultation::{ANSWER_WORKING_DAYS, AnswerCommand, Channel, Consultation, ConsultationStatus},
            survey::{QuestionDraft, QuestionKind, Survey, SurveyDraft},
        },
        tracking::QueryCode,
    },
    store::{Condition, Record, StoreError, TxOp, catalogue, consultations, keys, surveys},
};

/// Questions people really ask about the demo items, with the departments' answers.
const CONSULTATIONS: &[(&str, &str, &str)] = &[
    (
        "GY-SCJG-001",
        "我在观山湖区开了一家奶茶店，只做现制现售的饮品，需要办理食品经营许可证吗？",
        "需要。现制现售饮品属于餐饮服务，不属于仅销售预包装食品，应当依法取得食品经营许可（《中华人民共和国食品安全法》第三十五条）。\
         可在本平台在线申请“食品经营许可”（事项编码 GY-SCJG-001），申请材料包括申请书、营业执照、与经营相适应的设备布局和操作流程文件、\
         食品安全管理制度等；本平台承诺 5 个工作日内办结，不收取费用。",
    ),
    (
        "GY-ZJJ-001",
        "施工许可证领到以后，因为资金原因三个月内开不了工，怎么办？",
        "应当在三个月期满前向发证机关申请延期，并说明理由。延期以两次为限，每次不超过三个月；既不开工又不申请延期或者超过延期时限的，\
         施工许可证自行废止（《中华人民共和国建筑法》第九条）。在建工程因故中止施工的，应当自中止施工之日起一个月内向发证机关报告；\
         中止施工满一年的，恢复施工前应当报发证机关核验施工许可证（《建筑法》第十条）。",
    ),
    (
        "GZ-WHLYT-001",
        "旅行社的质量保证金可以用银行担保代替现金存款吗？",
        "可以。《旅行社条例》第十三条规定，旅行社应当自取得旅行社业务经营许可证之日起 3 个工作日内，在指定银行开设专门的质量保证金账户存入质量保证金，\
         或者向作出许可的旅游行政管理部门提交依法取得的、担保额度不低于相应质量保证金数额的银行担保。经营国内旅游业务和入境旅游业务的，质量保证金为 20 万元。",
    ),
];

fn survey_draft(now: OffsetDateTime) -> SurveyDraft {
    let question = |text: &str, kind, options: &[&str], required| QuestionDraft {
        text: text.into(),
        kind,
        options: options.iter().map(|o| o.to_string()).collect(),
        required,
    };
    SurveyDraft {
        title: "行政许可网上办事平台使用体验意见征集".into(),
        description: "为进一步优化政务服务，现就网上办事平台的使用体验公开征集意见。每个账号可参与一次，征集结束后公布统计结果。".into(),
        opens_at: Some(now),
        closes_at: now + Duration::days(90),
        questions: vec![
            question(
                "您通常通过哪种方式办理行政许可事项？",
                QuestionKind::Single,
                &["全程网上办理", "到政务服务中心窗口办理", "网上申请、窗口领取结果"],
                true,
            ),
            question(
                "您希望平台优先改进哪些方面？（可多选）",
                QuestionKind::Multiple,
                &["办事指南更清楚", "材料上传更方便", "办理进度提醒更及时", "咨询答复更快", "手机端办理"],
                true,
            ),
            question(
                "您是否需要工作日延时（18:00—20:00）或周六上午的窗口服务？",
                QuestionKind::Single,
                &["需要", "不需要", "无所谓"],
                false,
            ),
            question("其他意见和建议", QuestionKind::Text, &[], false),
        ],
    }
}

/// Loads the demo data unless it is already there; returns whether it was loaded now.
pub async fn seed(ctx: &AppContext) -> Result<bool, StoreError> {
    let store = ctx.store.as_ref();
    if store.get(keys::INTERACTION_DEMO, keys::SEEDED).await?.is_some() {
        return Ok(false);
    }
    let now = ctx.clock.now();
    let calendar = ctx.calendar.get(store).await?;
    let (numbers, seq_op) =
        consultations::next_numbers(store, china_date(now).year(), CONSULTATIONS.len() as u64).await?;
    let mut ops = vec![seq_op];
    for (no, (code, question, answer)) in numbers.into_iter().zip(CONSULTATIONS) {
        let code = ItemCode::parse(code).expect("demo item codes are valid");
        let item = catalogue::item(store, &code).await?.ok_or_else(|| {
            StoreError::Invalid(format!("demo item {} is not in the catalogue", code.as_str()))
        })?;
        let asked = Consultation {
            no: no.clone(),
            question: (*question).into(),
            department_id: Some(item.department_id.clone()),
            item_code: Some(code),
            item_name: Some(item.name.clone()),
            channel: Channel::Phone,
            asker_id: None,
            contact: None,
            publish_consent: true,
            // Nobody holds a code for these: staff and supervisors read them.
            code_digest: QueryCode::generate().digest(&no),
            status: ConsultationStatus::Pending,
            received_at: now,
            due: calendar.add_working_days(china_date(now), ANSWER_WORKING_DAYS),
            recorded_by: Some("demo".into()),
            answer: None,
        };
        let command = AnswerCommand {
            department_id: item.department_id.clone(),
            answered_by: "demo".into(),
            content: (*answer).into(),
            publish: true,
            public_question: None,
            public_answer: None,
            asker_names: Default::default(),
        };
        let (answered, reply) = asked.answer(command, now).expect("a demo answer follows the rules");
        ops.push(consultations::create_op(&answered));
        ops.extend(reply.as_ref().map(consultations::reply_op));
    }
    let survey =
        Survey::define(survey_draft(now), uuid::Uuid::now_v7().to_string(), None, "demo".into(), now)
            .expect("the demo survey follows the rules");
    ops.push(surveys::create_op(&survey));
    ops.push(TxOp::Put {
        record: Record::new(keys::INTERACTION_DEMO, keys::SEEDED, json!({ "at": now.unix_timestamp() })),
        condition: Condition::NotExists,
    });
    match store.transact(ops).await {
        Ok(()) => Ok(true),
        // Another process seeded at the same moment.
        Err(StoreError::TransactionConditionFailed { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
