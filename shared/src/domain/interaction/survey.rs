//! Surveys and public consultations (征集调查, §4.3 b): staff define single-choice,
//! multiple-choice and free-text questions and an open period; every account answers once while
//! it is open; the counts are published when it closes (§4.1.1 b), free text only to the
//! department's staff.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{Violation, text};

pub const TITLE_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
pub const QUESTION_MAX_CHARS: usize = 200;
pub const OPTION_MAX_CHARS: usize = 100;
pub const TEXT_ANSWER_MAX_CHARS: usize = 1000;
pub const MAX_QUESTIONS: usize = 30;
pub const MAX_OPTIONS: usize = 20;
/// Longest open period.
pub const MAX_OPEN_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    Upcoming,
    Open,
    Closed,
}

impl SurveyStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            SurveyStatus::Upcoming => "未开始",
            SurveyStatus::Open => "征集中",
            SurveyStatus::Closed => "已结束",
        }
    }
}

/// A survey as staff send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SurveyDraft {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to now.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    pub questions: Vec<QuestionDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionDraft {
    pub text: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyOption {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    pub options: Vec<SurveyOption>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Survey {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The department that runs it; `None` for the platform's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    pub questions: Vec<Question>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One answer as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerDraft {
    pub question_id: String,
    #[serde(default)]
    pub option_ids: Vec<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// A response that fits the survey: chosen options and texts by question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckedResponse {
    pub choices: BTreeMap<String, Vec<String>>,
    pub texts: BTreeMap<String, String>,
}

/// Tally keys: respondents, answers per question and choices per option.
pub const RESPONDENTS: &str = "respondents";

fn option_key(question: &str, option: &str) -> String {
    format!("{question}/{option}")
}

impl CheckedResponse {
    /// What this response adds to the survey's tally.
    pub fn tally(&self) -> BTreeMap<String, u64> {
        let mut t = BTreeMap::from([(RESPONDENTS.to_owned(), 1)]);
        for (q, options) in &self.choices {
            t.insert(q.clone(), 1);
            for o in options {
                t.insert(option_key(q, o), 1);
            }
        }
        for q in self.texts.keys() {
            t.insert(q.clone(), 1);
        }
        t
    }
}

/// Why a response is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseRefusal {
    NotOpen(SurveyStatus),
    Invalid(Vec<Violation>),
}

/// Counts of one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionResult {
    pub id: String,
    pub label: String,
    pub count: u64,
}

/// The aggregate of one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResult {
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    /// Respondents who answered it.
    pub answered: u64,
    pub options: Vec<OptionResult>,
}

/// Who sees what of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsAccess {
    Nothing,
    Counts,
    CountsAndTexts,
}

impl Survey {
    /// Checks a draft and gives questions and options their ids (`q1`, `o1` …).
    pub fn define(
        draft: SurveyDraft,
        id: String,
        department_id: Option<String>,
        created_by: String,
        now: OffsetDateTime,
    ) -> Result<Survey, Vec<Violation>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, Violation>| r.map_err(|v| errors.push(v)).unwrap_or_default();
        let title = keep(text::field("title", "标题", &draft.title, TITLE_MAX_CHARS));
        let description = if draft.description.trim().is_empty() {
            String::new()
        } else {
            keep(text::field("description", "说明", &draft.description, DESCRIPTION_MAX_CHARS))
        };
        let opens_at = draft.opens_at.unwrap_or(now);
        // A minute's grace for clocks that differ a little.
        if opens_at < now - Duration::minutes(1) {
            errors.push(Violation::new("opensAt", "opens_in_past", "开始时间不能早于当前时间"));
        }
        if draft.closes_at <= opens_at {
            errors.push(Violation::new("closesAt", "invalid_period", "结束时间须晚于开始时间"));
        } else if draft.closes_at - opens_at > Duration::days(MAX_OPEN_DAYS) {
            errors.push(Violation::new(
                "closesAt",
                "invalid_period",
                format!("征集期限不能超过 {MAX_OPEN_DAYS} 天"),
            ));
        }
        if draft.questions.is_empty() || draft.questions.len() > MAX_QUESTIONS {
            errors.push(Violation::new(
                "questions",
                "invalid_questions",
                format!("问题须为 1 至 {MAX_QUESTIONS} 个"),
            ));
        }
        let mut questions = Vec::new();
        for (i, q) in draft.questions.iter().enumerate().take(MAX_QUESTIONS) {
            let field = format!("questions[{i}]");
            let text = text::field(
                &format!("{field}.text"),
                &format!("第{}题题目", i + 1),
                &q.text,
                QUESTION_MAX_CHARS,
            )
            .map_err(|v| errors.push(v))
            .unwrap_or_default();
            let mut options = Vec::new();
            match q.kind {
                QuestionKind::Text if !q.options.is_empty() => errors.push(Violation::new(
                    format!("{field}.options"),
                    "invalid_options",
                    format!("第{}题为填空题，不能设置选项", i + 1),
                )),
                QuestionKind::Text => {}
                QuestionKind::Single | QuestionKind::Multiple => {
                    if !(2..=MAX_OPTIONS).contains(&q.options.len()) {
                        errors.push(Violation::new(
                            format!("{field}.options"),
                            "invalid_options",
                            format!("第{}题的选项须为 2 至 {MAX_OPTIONS} 个", i + 1),
                        ));
                    }
                    let mut labels = HashSet::new();
                    for (j, label) in q.options.iter().enumerate().take(MAX_OPTIONS) {
                        match text::field(
                            &format!("{field}.options[{j}]"),
                            &format!("第{}题的选项", i + 1),
                            label,
                            OPTION_MAX_CHARS,
                        ) {
                            Ok(label) if !labels.insert(label.clone()) => errors.push(Violation::new(
                                format!("{field}.options[{j}]"),
                                "duplicate_option",
                                format!("第{}题有重复的选项「{label}」", i + 1),
                            )),
                            Ok(label) => options.push(SurveyOption { id: format!("o{}", j + 1), label }),
                            Err(v) => errors.push(v),
                        }
                    }
                }
            }
            questions.push(Question {
                id: format!("q{}", i + 1),
                kind: q.kind,
                text,
                options,
                required: q.required,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Survey {
            id,
            title,
            description,
            department_id,
            opens_at,
            closes_at: draft.closes_at,
            questions,
            created_by,
            created_at: now,
        })
    }

    pub fn status(&self, now: OffsetDateTime) -> SurveyStatus {
        if now < self.opens_at {
            SurveyStatus::Upcoming
        } else if now < self.closes_at {
            SurveyStatus::Open
        } else {
            SurveyStatus::Closed
        }
    }

    /// Checks a response: the survey is open, every question answered is one of the survey's
    /// (once), every required one is answered, a single choice picks one option, a multiple
    /// choice one or more distinct ones, a text is within limits.
    pub fn check(
        &self,
        answers: &[AnswerDraft],
        now: OffsetDateTime,
    ) -> Result<CheckedResponse, ResponseRefusal> {
        let status = self.status(now);
        if status != SurveyStatus::Open {
            return Err(ResponseRefusal::NotOpen(status));
        }
        let mut errors = Vec::new();
        let mut choices = BTreeMap::new();
        let mut texts = BTreeMap::new();
        let mut seen = HashSet::new();
        for (i, a) in answers.iter().enumerate() {
            let field = format!("answers[{i}]");
            let Some(q) = self.questions.iter().find(|q| q.id == a.question_id) else {
                errors.push(Violation::new(
                    field,
                    "unknown_question",
                    format!("问卷中没有问题 {}", a.question_id),
                ));
                continue;
            };
            if !seen.insert(q.id.clone()) {
                errors.push(Violation::new(field, "duplicate_answer", format!("问题 {} 只能回答一次", q.id)));
                continue;
            }
            match q.kind {
                QuestionKind::Text => {
                    if !a.option_ids.is_empty() {
                        errors.push(Violation::new(
                            field,
                            "invalid_answer",
                            format!("问题 {} 须填写文字", q.id),
                        ));
                        continue;
                    }
                    match a.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                        None => {}
                        Some(t) => {
                            match text::field(&format!("{field}.text"), "回答", t, TEXT_ANSWER_MAX_CHARS) {
                                Ok(t) => {
                                    texts.insert(q.id.clone(), t);
                                }
                                Err(v) => errors.push(v),
                            }
                        }
                    }
                }
                QuestionKind::Single | QuestionKind::Multiple => {
                    let unique: HashSet<&String> = a.option_ids.iter().collect();
                    let known = a.option_ids.iter().all(|o| q.options.iter().any(|opt| &opt.id == o));
                    let count_ok = match q.kind {
                        QuestionKind::Single => a.option_ids.len() <= 1,
                        _ => unique.len() == a.option_ids.len(),
                    };
                    if a.text.as_deref().is_some_and(|t| !t.trim().is_empty()) || !known || !count_ok {
                        let expected = if q.kind == QuestionKind::Single {
                            "一个"
                        } else {
                            "一个或多个不重复的"
                        };
                        errors.push(Violation::new(
                            field,
                            "invalid_answer",
                            format!("问题 {} 须从所列选项中选择{expected}选项", q.id),
                        ));
                        continue;
                    }
                    if !a.option_ids.is_empty() {
                        // Stored in the survey's option order, so equal choices tally alike.
                        let picked = q
                            .options
                            .iter()
                            .filter(|o| a.option_ids.contains(&o.id))
                            .map(|o| o.id.clone())
                            .collect();
                        choices.insert(q.id.clone(), picked);
                    }
                }
            }
        }
        for q in self.questions.iter().filter(|q| q.required) {
            if !choices.contains_key(&q.id)
                && !texts.contains_key(&q.id)
                && !seen_invalid(&errors, answers, &q.id)
            {
                errors.push(Violation::new(
                    "answers",
                    "answer_required",
                    format!("问题 {}「{}」为必答题", q.id, q.text),
                ));
            }
        }
        if errors.is_empty() {
            Ok(CheckedResponse { choices, texts })
        } else {
            Err(ResponseRefusal::Invalid(errors))
        }
    }

    /// Who sees what: staff of the survey's department and supervisors see the counts at any
    /// time and the free text once it closed; everyone sees the counts once it closed.
    pub fn results_access(&self, responsible: bool, now: OffsetDateTime) -> ResultsAccess {
        match (self.status(now), responsible) {
            (SurveyStatus::Closed, true) => ResultsAccess::CountsAndTexts,
            (SurveyStatus::Closed, false) | (_, true) => ResultsAccess::Counts,
            _ => ResultsAccess::Nothing,
        }
    }

    /// Respondents and per-question counts from a tally (see [`CheckedResponse::tally`]).
    pub fn results(&self, tally: &BTreeMap<String, u64>) -> (u64, Vec<QuestionResult>) {
        let get = |k: &str| tally.get(k).copied().unwrap_or(0);
        let questions = self
            .questions
            .iter()
            .map(|q| QuestionResult {
                id: q.id.clone(),
                kind: q.kind,
                text: q.text.clone(),
                answered: get(&q.id),
                options: q
                    .options
                    .iter()
                    .map(|o| OptionResult {
                        id: o.id.clone(),
                        label: o.label.clone(),
                        count: get(&option_key(&q.id, &o.id)),
                    })
                    .collect(),
            })
            .collect();
        (get(RESPONDENTS), questions)
    }
}

/// Whether an answer to `question` was given but refused (then "required" would repeat it).
fn seen_invalid(errors: &[Violation], answers: &[AnswerDraft], question: &str) -> bool {
    answers.iter().enumerate().any(|(i, a)| {
        a.question_id == question && errors.iter().any(|e| e.field.starts_with(&format!("answers[{i}]")))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-03 09:00 +08:00);

    fn draft() -> SurveyDraft {
        SurveyDraft {
            title: "政务服务中心延时服务意见征集".into(),
            description: "".into(),
            opens_at: None,
            closes_at: NOW + Duration::days(30),
            questions: vec![
                QuestionDraft {
                    text: "您希望哪天延时办理？".into(),
                    kind: QuestionKind::Single,
                    options: vec!["周三".into(), "周六上午".into()],
                    required: true,
                },
                QuestionDraft {
                    text: "您常办哪些业务？".into(),
                    kind: QuestionKind::Multiple,
                    options: vec!["市场监管".into(), "卫生健康".into(), "交通运输".into()],
                    required: false,
                },
                QuestionDraft {
                    text: "其他建议".into(),
                    kind: QuestionKind::Text,
                    options: vec![],
                    required: false,
                },
            ],
        }
    }

    fn survey() -> Survey {
        Survey::define(draft(), "s1".into(), Some("gy-amr".into()), "clerk".into(), NOW).unwrap()
    }

    fn answer(q: &str, options: &[&str], text: Option<&str>) -> AnswerDraft {
        AnswerDraft {
            question_id: q.into(),
            option_ids: options.iter().map(|s| s.to_string()).collect(),
            text: text.map(str::to_owned),
        }
    }

    #[test]
    fn a_definition_gets_ids_and_its_period() {
        let s = survey();
        assert_eq!(s.questions.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["q1", "q2", "q3"]);
        assert_eq!(s.questions[1].options[2], SurveyOption { id: "o3".into(), label: "交通运输".into() });
        assert_eq!(s.opens_at, NOW);
        assert_eq!(s.status(NOW - Duration::seconds(1)), SurveyStatus::Upcoming);
        assert_eq!(s.status(NOW), SurveyStatus::Open);
        assert_eq!(s.status(s.closes_at), SurveyStatus::Closed);
    }

    #[test]
    fn bad_definitions_list_every_problem() {
        let mut d = draft();
        d.title = " ".into();
        d.closes_at = NOW - Duration::days(1);
        d.questions[0].options = vec!["只有一个".into()];
        d.questions[1].options.push("市场监管".into());
        d.questions[2].options = vec!["x".into()];
        let codes: Vec<&str> = Survey::define(d, "s".into(), None, "x".into(), NOW)
            .unwrap_err()
            .iter()
            .map(|v| v.code)
            .collect();
        assert_eq!(
            codes,
            ["empty_text", "invalid_period", "invalid_options", "duplicate_option", "invalid_options"]
        );
        let mut d = draft();
        d.questions.clear();
        d.opens_at = Some(NOW - Duration::hours(1));
        let codes: Vec<&str> = Survey::define(d, "s".into(), None, "x".into(), NOW)
            .unwrap_err()
            .iter()
            .map(|v| v.code)
            .collect();
        assert_eq!(codes, ["opens_in_past", "invalid_questions"]);
    }

    #[test]
    fn a_response_is_checked_against_the_questions() {
        let s = survey();
        let ok = s
            .check(
                &[
                    answer("q1", &["o2"], None),
                    answer("q2", &["o3", "o1"], None),
                    answer("q3", &[], Some(" 希望增加自助机 ")),
                ],
                NOW,
            )
            .unwrap();
        assert_eq!(ok.choices["q2"], ["o1", "o3"], "in the survey's order");
        assert_eq!(ok.texts["q3"], "希望增加自助机");
        let tally = ok.tally();
        assert_eq!(tally.get("respondents"), Some(&1));
        assert_eq!(tally.get("q2/o3"), Some(&1));
        assert_eq!(tally.get("q2/o2"), None);

        let refused = |answers: &[AnswerDraft]| match s.check(answers, NOW) {
            Err(ResponseRefusal::Invalid(v)) => v.iter().map(|v| v.code).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(&[]), ["answer_required"]);
        assert_eq!(refused(&[answer("q1", &["o1", "o2"], None)]), ["invalid_answer"], "single means one");
        assert_eq!(refused(&[answer("q1", &["o9"], None)]), ["invalid_answer"]);
        assert_eq!(
            refused(&[answer("q1", &["o1"], None), answer("q2", &["o1", "o1"], None)]),
            ["invalid_answer"]
        );
        assert_eq!(
            refused(&[answer("q1", &["o1"], None), answer("q1", &["o2"], None)]),
            ["duplicate_answer"]
        );
        assert_eq!(
            refused(&[answer("q1", &["o1"], None), answer("q9", &[], Some("x"))]),
            ["unknown_question"]
        );
        let long = "字".repeat(TEXT_ANSWER_MAX_CHARS + 1);
        assert_eq!(
            refused(&[answer("q1", &["o1"], None), answer("q3", &[], Some(&long))]),
            ["text_too_long"]
        );
    }

    #[test]
    fn responses_are_taken_only_while_open_and_results_shown_by_role() {
        let s = survey();
        let one = [answer("q1", &["o1"], None)];
        assert_eq!(s.check(&one, s.closes_at), Err(ResponseRefusal::NotOpen(SurveyStatus::Closed)));
        assert_eq!(
            s.check(&one, NOW - Duration::minutes(1)),
            Err(ResponseRefusal::NotOpen(SurveyStatus::Upcoming))
        );
        assert_eq!(s.results_access(false, NOW), ResultsAccess::Nothing);
        assert_eq!(s.results_access(true, NOW), ResultsAccess::Counts);
        assert_eq!(s.results_access(false, s.closes_at), ResultsAccess::Counts);
        assert_eq!(s.results_access(true, s.closes_at), ResultsAccess::CountsAndTexts);
    }

    proptest! {
        /// Summing the tallies of any responses gives exactly the per-option choices.
        #[test]
        fn results_count_every_choice_exactly(picks in proptest::collection::vec((0usize..2, proptest::collection::vec(any::<bool>(), 3)), 0..40)) {
            let s = survey();
            let mut total: BTreeMap<String, u64> = BTreeMap::new();
            let mut expected_q2 = [0u64; 3];
            for (single, multi) in &picks {
                let options: Vec<&str> = ["o1", "o2", "o3"].iter().zip(multi).filter(|(_, on)| **on).map(|(o, _)| *o).collect();
                let answers = [answer("q1", &[["o1", "o2"][*single]], None), answer("q2", &options, None)];
                for (k, v) in s.check(&answers, NOW).unwrap().tally() {
                    *total.entry(k).or_default() += v;
                }
                for (i, on) in multi.iter().enumerate() {
                    expected_q2[i] += u64::from(*on);
                }
            }
            let (respondents, results) = s.results(&total);
            prop_assert_eq!(respondents, picks.len() as u64);
            prop_assert_eq!(results[0].options.iter().map(|o| o.count).sum::<u64>(), picks.len() as u64);
            let q2: Vec<u64> = results[1].options.iter().map(|o| o.count).collect();
            prop_assert_eq!(q2, expected_q2.to_vec());
        }
    }
}
