//! The catalogue of §4.1: departments, windows, licensing items with their full service guide
//! (§4.1.2 a–h) and policy news (§4.1.3). Plain data with serde shapes that are also the API's
//! (camelCase) and the seed file's.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{booking::Schedule, ids::ItemCode};

/// A government department (行政主体) that handles licensing items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Department {
    /// Short stable slug, e.g. `gz-amr`; used in URLs and staff account names.
    pub id: String,
    pub name: String,
    pub phone: String,
    pub address: String,
    /// Office hours as published, e.g. "工作日 9:00-12:00，13:00-17:00".
    pub hours: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// A service window (窗口) in a government service hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Window {
    pub id: String,
    pub name: String,
    pub department_id: String,
    pub location: String,
    pub hours: String,
    pub item_codes: Vec<ItemCode>,
    /// When citizens can book an appointment at this window (§4.2.2).
    pub schedule: Schedule,
}

/// Who may apply for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Individual,
    Enterprise,
}

/// Whether a material is handed in as the original, a copy, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    OriginalAndCopy,
    /// Submitted only as an electronic file (e.g. filled in online).
    Electronic,
}

/// A downloadable blank form (申报表/格式文本) or sample (示范文本), §4.1.2 d.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentRef {
    pub file_name: String,
    pub content_type: String,
    /// Path of the file under `shared/seed/templates/`; the server serves it from its document store.
    pub path: String,
}

/// One application material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Material {
    /// Stable within the item, e.g. `application-form`.
    pub id: String,
    pub name: String,
    pub required: bool,
    pub form: MaterialForm,
    /// Number of paper copies when handed in at a window.
    pub copies: u8,
    /// Filling-in and review requirements for this material.
    pub requirements: String,
    /// Where the applicant gets it (申请人自备, 政府部门核发, ...).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<DocumentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<DocumentRef>,
}

/// A legal provision that establishes the item (§4.1.2 b).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegalBasis {
    /// Title of the law, regulation or rule, e.g. 《中华人民共和国食品安全法》.
    pub law: String,
    /// Article, e.g. 第三十五条.
    pub article: String,
    /// The text of the provision (may be the relevant excerpt).
    pub text: String,
}

/// One step of the handling process (§4.1.2 c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProcessStep {
    pub name: String,
    pub description: String,
    /// Working days this step may take, when the guide promises one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u16>,
}

/// A fee with its legal basis (§4.1.2 e). Money is in fen, never floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    pub amount_fen: u64,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// A link to another item (§4.1.2 h). `code` may name an item outside this catalogue
/// (e.g. a registration handled elsewhere), in which case no link is followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemLink {
    pub code: String,
    pub name: String,
}

/// A follow-up approval (后置审批) the applicant should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FollowUp {
    pub name: String,
    pub hint: String,
}

/// A licensing item (行政许可事项) with its complete service guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicensingItem {
    pub code: ItemCode,
    pub name: String,
    pub department_id: String,
    pub applicant_kinds: Vec<ApplicantKind>,
    /// 申请条件.
    pub conditions: Vec<String>,
    pub materials: Vec<Material>,
    /// 法定办理时限, working days.
    pub statutory_days: u16,
    /// 承诺办理时限, working days; never longer than the statutory limit.
    pub promised_days: u16,
    pub legal_basis: Vec<LegalBasis>,
    pub process: Vec<ProcessStep>,
    /// 审查标准.
    pub review_standards: Vec<String>,
    /// Empty when the item is free of charge (不收费).
    pub fees: Vec<Fee>,
    pub consult_phone: String,
    pub complaint_phone: String,
    pub faq: Vec<Faq>,
    pub prerequisites: Vec<ItemLink>,
    pub follow_ups: Vec<FollowUp>,
}

impl LicensingItem {
    pub fn is_free(&self) -> bool {
        self.fees.is_empty()
    }

    pub fn material(&self, id: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.id == id)
    }
}

/// The three kinds of policy information of §4.1.3 b–d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// 最新政策制度.
    Policy,
    /// 政策解读.
    Interpretation,
    /// 法律法规立改废释.
    LawChange,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 3] = [Self::Policy, Self::Interpretation, Self::LawChange];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::Interpretation => "interpretation",
            Self::LawChange => "law_change",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub kind: PolicyKind,
    pub title: String,
    /// Issuing authority.
    pub issuer: String,
    /// 文号, when the document has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    #[serde(with = "iso_date")]
    pub published_on: Date,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

/// Dates as `YYYY-MM-DD` in JSON.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::{Date, format_description::BorrowedFormatItem, macros::format_description};

    const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(D::Error::custom)
    }

    pub fn format(date: Date) -> String {
        date.format(FORMAT).expect("a Date always formats")
    }

    pub fn parse(s: &str) -> Result<Date, String> {
        Date::parse(s, FORMAT).map_err(|_| format!("not a date (YYYY-MM-DD): {s}"))
    }

    /// `Option<Date>` as `YYYY-MM-DD` or null.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};
        use time::Date;

        pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(d) => s.serialize_str(&super::format(*d)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(d)?.map(|s| super::parse(&s).map_err(D::Error::custom)).transpose()
        }
    }
}

/// The whole catalogue as shipped in the seed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Catalogue {
    /// Provenance note for the data (sources, date verified).
    pub about: String,
    pub departments: Vec<Department>,
    pub windows: Vec<Window>,
    pub items: Vec<LicensingItem>,
    pub policies: Vec<Policy>,
}

/// A reason the catalogue is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(pub String);

impl Catalogue {
    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn item(&self, code: &ItemCode) -> Option<&LicensingItem> {
        self.items.iter().find(|i| &i.code == code)
    }

    /// Checks the references and rules a hand-edited catalogue file can break.
    pub fn validate(&self) -> Result<(), Vec<CatalogueError>> {
        let mut errors = Vec::new();
        let mut err = |m: String| errors.push(CatalogueError(m));
        let mut seen = std::collections::HashSet::new();
        for d in &self.departments {
            if !is_slug(&d.id) {
                err(format!("department id {:?} is not a lower-case slug", d.id));
            }
            if !seen.insert(("dept", d.id.clone())) {
                err(format!("department {} appears twice", d.id));
            }
        }
        for w in &self.windows {
            if !is_slug(&w.id) {
                err(format!("window id {:?} is not a lower-case slug", w.id));
            }
            if !seen.insert(("window", w.id.clone())) {
                err(format!("window {} appears twice", w.id));
            }
            if self.department(&w.department_id).is_none() {
                err(format!("window {} names unknown department {}", w.id, w.department_id));
            }
            for problem in w.schedule.problems() {
                err(format!("window {} schedule: {problem}", w.id));
            }
            for code in &w.item_codes {
                match self.item(code) {
                    None => err(format!("window {} handles unknown item {code}", w.id)),
                    Some(i) if i.department_id != w.department_id => {
                        err(format!("window {} handles item {code} of another department", w.id))
                    }
                    Some(_) => {}
                }
            }
        }
        for i in &self.items {
            let code = &i.code;
            if !seen.insert(("item", code.to_string())) {
                err(format!("item {code} appears twice"));
            }
            if self.department(&i.department_id).is_none() {
                err(format!("item {code} names unknown department {}", i.department_id));
            }
            if i.promised_days == 0 || i.promised_days > i.statutory_days {
                err(format!(
                    "item {code}: promised limit {} must be 1..=statutory limit {}",
                    i.promised_days, i.statutory_days
                ));
            }
            if i.applicant_kinds.is_empty() {
                err(format!("item {code} has no applicant kind"));
            }
            if i.materials.is_empty() || i.legal_basis.is_empty() || i.process.is_empty() {
                err(format!("item {code} lacks materials, legal basis or process"));
            }
            let mut material_ids = std::collections::HashSet::new();
            for m in &i.materials {
                if !is_slug(&m.id) || !material_ids.insert(&m.id) {
                    err(format!("item {code}: material id {:?} is not a unique slug", m.id));
                }
                for doc in m.template.iter().chain(m.sample.iter()) {
                    if doc.path.contains("..") || doc.path.starts_with('/') {
                        err(format!("item {code}: document path {:?} escapes the seed folder", doc.path));
                    }
                }
            }
            for p in &i.prerequisites {
                if p.code == code.as_str() {
                    err(format!("item {code} is its own prerequisite"));
                }
            }
            if !self.windows.iter().any(|w| w.item_codes.contains(code)) {
                err(format!("item {code} is handled at no window"));
            }
        }
        for p in &self.policies {
            if !is_slug(&p.id) || !seen.insert(("policy", p.id.clone())) {
                err(format!("policy id {:?} is not a unique slug", p.id));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The list entry of an item (`GET /items`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    pub code: ItemCode,
    pub name: String,
    pub department_id: String,
    pub statutory_days: u16,
    pub promised_days: u16,
    pub applicant_kinds: Vec<ApplicantKind>,
    pub free: bool,
}

impl From<&LicensingItem> for ItemSummary {
    fn from(i: &LicensingItem) -> Self {
        Self {
            code: i.code.clone(),
            name: i.name.clone(),
            department_id: i.department_id.clone(),
            statutory_days: i.statutory_days,
            promised_days: i.promised_days,
            applicant_kinds: i.applicant_kinds.clone(),
            free: i.is_free(),
        }
    }
}

impl ItemSummary {
    /// The `?q=` search: a case-insensitive substring of the name or the code. Works on Chinese
    /// text because it compares characters, not words.
    pub fn matches(&self, q: &str) -> bool {
        let q = q.trim();
        q.is_empty() || self.name.contains(q) || self.code.as_str().contains(&q.to_ascii_uppercase())
    }
}
