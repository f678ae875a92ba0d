//! The single-table key layout: the ONE place that says where each kind of record lives.
//!
//! | record | pk | sk | gsi1 (pk / sk) |
//! |---|---|---|---|
//! | department | `CATALOGUE` | `DEPT#<id>` | – |
//! | window | `CATALOGUE` | `WIN#<id>` | `DEPT#<deptId>` / `WIN#<id>` |
//! | licensing item (full guide) | `ITEM#<code>` | `GUIDE` | `DEPT#<deptId>` / `ITEM#<code>` |
//! | item list entry | `CATALOGUE` | `ITEM#<code>` | – |
//! | policy | `POLICY#<id>` | `POLICY` | `POLICIES` / `<date>#<id>`, gsi2 `POLICIES#<kind>` / `<date>#<id>` |
//! | catalogue seed marker | `CATALOGUE` | `SEEDED` | – |
//! | user | `USER#<userId>` | `PROFILE` | – |
//! | login claim | `LOGIN#<kind>#<value>` | `CLAIM` | – |
//! | inbox message | `USER#<userId>` | `MSG#<time>#<id>` | – |
//! | refresh token | `REFRESH#<sha256(token)>` | `TOKEN` | – (expires) |
//! | published reply / decision notice | (owner's record) | – | `PUBLIC#REPLIES` or `PUBLIC#DECISIONS` / `<time>#<id>` |
//! | upload (declared document) | `UPLOAD#<uploadId>` | `UPLOAD` | – (expires 24 h after declaration while pending; never once verified) |
//! | case | `CASE#<id>` | `CASE` | `APPLICANT#<userId>` / `<submittedAt>#<id>`; gsi2 (while in a queue) `QUEUE#<dept>#<stage>` / `<due date>#<id>` |
//! | case audit event | `CASE#<id>` | `EVENT#<seq>` | – |
//! | acceptance number | `ACCEPTNO#<no>` | `CLAIM` | – |
//! | acceptance sequence | `SEQ#ACCEPT#<dept>#<year>` | `SEQ` | – |
//! | idempotency record | `IDEM#<scope>#<key>` | `REQUEST` | – (expires after 24 h) |
//! | holiday notice | `CALENDAR` | `NOTICE#<year>` | – |
//! | item guide, for the knowledge base | (the guide above) | – | gsi2 `GUIDES` / `ITEM#<code>` |
//! | consultation | `CONSULT#<no>` | `CONSULT` | gsi2 `CONSULTS#<dept or UNASSIGNED>#pending` / `<due date>#<no>`, once answered `CONSULTS#<dept>#answered` / `<answered at>#<no>` |
//! | consultation's published answer | `CONSULT#<no>` | `PUBLIC_REPLY` | `PUBLIC#REPLIES` / `<time>#<no>`; gsi2 `KB#ANSWERS` / `<time>#<no>` |
//! | consultation sequence | `SEQ#ZX#<year>` | `SEQ` | – |
//! | survey | `SURVEY#<id>` | `SURVEY` | `SURVEYS` / `<opens at>#<id>` |
//! | survey respondent claim (one per account) | `SURVEY#<id>` | `RESPONDENT#<userId>` | – |
//! | survey response (anonymous) | `SURVEY#<id>` | `RESPONSE#<time>#<uuid>` | – |
//! | survey tally shard | `SURVEY#<id>` | `TALLY#<n>` | – |
//! | comment | `COMMENT#<id>` | `COMMENT` | once approved `COMMENTS#<target>` / `<time>#<id>`; gsi2 while pending `COMMENTQ#<dept or PLATFORM>` / `<time>#<id>` |
//! | service rating (好差评) and its follow-up | `CASE#<id>` | `RATING` | gsi2 for a poor rating `FOLLOWUPS#<dept>#open` / `<due date>#<caseId>`, once answered `FOLLOWUPS#<dept>#answered` / `<answered at>#<caseId>` |
//! | rating tally shard | `RATINGS#DEPT#<id>` or `RATINGS#ITEM#<code>` | `TALLY#<n>` | `RATINGS` / `DEPT#<id>#<n>` or `ITEM#<code>#<n>` |
//! | interaction demo marker | `DEMO#INTERACTION` | `SEEDED` | – |
//! | slot count (booked places) | `SLOT#<windowId>#<date>` | `<HH:MM>` | – |
//! | appointment | `APPT#<no>` | `APPT` | `BOOKER#<userId>` / `<date>#<HH:MM>#<no>`; gsi2 `WINDAY#<windowId>#<date>` / `<HH:MM>#<no>` |
//! | one booking per citizen, item and day | `APPTCLAIM#<userId>#<itemCode>#<date>` | `CLAIM` | – |
//! | window closed for a day | `WINDOW#<windowId>` | `CLOSED#<date>` | – |
//! | a citizen's no-shows and booking suspension | `USER#<userId>` | `NOSHOWS` | – |
//! | complaint or letter | `TRACK#<no>` | `TRACKED` | while staff owe a reply: `SUPERVISION#<KIND>` / `<due date>#<no>`; gsi2 `QUEUE#<KIND>#<dept or UNASSIGNED>` / `<due date>#<no>` |
//! | its audit event | `TRACK#<no>` | `EVENT#<seq>` | – |
//! | its published question and answer | `TRACK#<no>` | `PUBLISHED` | `PUBLIC#REPLIES` / `<time>#<no>` |
//! | a logged-in submitter's list entry | `USER#<userId>` | `<KIND>#<submittedAt>#<no>` | – |
//! | tracking number sequence | `SEQ#TRACK#<TS or XX>#<year>` | `SEQ` | – |
//! | demo complaints and letters marker | `CATALOGUE` | `SEEDED#TRACKED` | – |
//!
//! `<KIND>` is `COMPLAINT` or `LETTER`; `<no>` a tracking number (`TS-2026-000042`,
//! `XX-2026-000007`), unique across kinds by its prefix.
//!
//! Access patterns served, each by one request: the catalogue lists (departments, windows,
//! item summaries) are one bounded partition; an item by code is one get; items and windows by
//! department one GSI query; policies newest first, all or by kind, one GSI query; a user by
//! any login account is one get of the claim plus one get of the user. An upload by id is one get.
//! A complaint or letter by number is one get (with its audit trail, one query of its
//! partition); the supervisors' queue of a kind, and each department's, nearest due date first,
//! is one GSI query, and so are their overdue parts (a range ending before today); a submitter's
//! own complaints or letters, newest first, are one query of their user partition.
//! A window's day of slots is one query of its `SLOT#` partition; an appointment by number one
//! get; a citizen's appointments (newest first) and a window's day list one GSI query each. A
//! window record's version goes above 1 once staff changed its schedule, and a catalogue reload
//! keeps that schedule.
//!
//! Interaction: a consultation by number, a survey, a comment, a rating are one get each; a
//! department's consultations, pending comments and rating follow-ups, nearest due first, one
//! GSI query; a target's approved comments newest first one GSI query; a survey's counts one
//! query of its tally shards, every department's and item's rating counts one GSI query. The
//! knowledge base reads every guide (one GSI query) and every published consultation answer
//! (one GSI query per 1000). Counters that many writers move (survey counts, rating counts) are
//! split over [`TALLY_SHARDS`] records, each moved under a version condition in the same
//! transaction as the response or rating it counts.

pub const CATALOGUE: &str = "CATALOGUE";
pub const SEEDED: &str = "SEEDED";
pub const GUIDE: &str = "GUIDE";
pub const PROFILE: &str = "PROFILE";
pub const CLAIM: &str = "CLAIM";
pub const TOKEN: &str = "TOKEN";
pub const POLICY: &str = "POLICY";
pub const POLICIES: &str = "POLICIES";
pub const PUBLIC_REPLIES: &str = "PUBLIC#REPLIES";
pub const PUBLIC_DECISIONS: &str = "PUBLIC#DECISIONS";

pub fn department_sk(id: &str) -> String {
    format!("DEPT#{id}")
}
pub fn department_index(id: &str) -> String {
    format!("DEPT#{id}")
}
pub fn window_sk(id: &str) -> String {
    format!("WIN#{id}")
}
pub fn item_pk(code: &str) -> String {
    format!("ITEM#{code}")
}
pub fn item_sk(code: &str) -> String {
    format!("ITEM#{code}")
}
pub fn policy_pk(id: &str) -> String {
    format!("POLICY#{id}")
}
pub fn policies_by_kind(kind: &str) -> String {
    format!("POLICIES#{kind}")
}
pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}
pub fn login_pk(kind: &str, value: &str) -> String {
    format!("LOGIN#{kind}#{value}")
}
pub fn message_sk(at: &str, id: &str) -> String {
    format!("MSG#{at}#{id}")
}
pub fn refresh_pk(token_hash: &str) -> String {
    format!("REFRESH#{token_hash}")
}

pub const UPLOAD: &str = "UPLOAD";

pub fn upload_pk(upload_id: &str) -> String {
    format!("UPLOAD#{upload_id}")
}

pub const CASE: &str = "CASE";
pub const SEQ: &str = "SEQ";
pub const REQUEST: &str = "REQUEST";
pub const CALENDAR: &str = "CALENDAR";

pub fn case_pk(id: &str) -> String {
    format!("CASE#{id}")
}
pub fn event_sk(seq: u32) -> String {
    format!("EVENT#{seq:05}")
}
pub fn applicant_index(user_id: &str) -> String {
    format!("APPLICANT#{user_id}")
}
pub fn queue_index(department_id: &str, stage: &str) -> String {
    format!("QUEUE#{department_id}#{stage}")
}
pub fn acceptance_no_pk(no: &str) -> String {
    format!("ACCEPTNO#{no}")
}
pub fn acceptance_seq_pk(department_id: &str, year: i32) -> String {
    format!("SEQ#ACCEPT#{department_id}#{year}")
}
pub fn idempotency_pk(scope: &str, key: &str) -> String {
    format!("IDEM#{scope}#{key}")
}
pub fn notice_sk(year: i32) -> String {
    format!("NOTICE#{year}")
}

pub const TRACKED: &str = "TRACKED";
pub const PUBLISHED: &str = "PUBLISHED";
pub const UNASSIGNED: &str = "UNASSIGNED";
pub const SEEDED_TRACKED: &str = "SEEDED#TRACKED";

pub fn tracked_pk(no: &str) -> String {
    format!("TRACK#{no}")
}
/// `kind` is `COMPLAINT` or `LETTER`.
pub fn supervision_index(kind: &str) -> String {
    format!("SUPERVISION#{kind}")
}
/// `bucket` is a department id or [`UNASSIGNED`].
pub fn tracked_queue_index(kind: &str, bucket: &str) -> String {
    format!("QUEUE#{kind}#{bucket}")
}
pub fn own_tracked_sk(kind: &str, submitted_at: &str, no: &str) -> String {
    format!("{kind}#{submitted_at}#{no}")
}
/// `prefix` is the number's (`TS`, `XX`).
pub fn tracking_seq_pk(prefix: &str, year: i32) -> String {
    format!("SEQ#TRACK#{prefix}#{year}")
}
pub const APPT: &str = "APPT";
pub const NOSHOWS: &str = "NOSHOWS";

pub fn slot_pk(window_id: &str, date: &str) -> String {
    format!("SLOT#{window_id}#{date}")
}
pub fn appointment_pk(no: &str) -> String {
    format!("APPT#{no}")
}
pub fn booker_index(user_id: &str) -> String {
    format!("BOOKER#{user_id}")
}
pub fn window_day_index(window_id: &str, date: &str) -> String {
    format!("WINDAY#{window_id}#{date}")
}
pub fn booking_claim_pk(user_id: &str, item_code: &str, date: &str) -> String {
    format!("APPTCLAIM#{user_id}#{item_code}#{date}")
}
pub fn window_pk(window_id: &str) -> String {
    format!("WINDOW#{window_id}")
}
pub fn closed_sk(date: &str) -> String {
    format!("CLOSED#{date}")
}

// Interaction (§4.3): consultations, surveys, comments, ratings, the knowledge base.

/// How many records a contended counter is split over.
pub const TALLY_SHARDS: u32 = 8;
pub const GUIDES: &str = "GUIDES";
pub const CONSULT: &str = "CONSULT";
pub const PUBLIC_REPLY: &str = "PUBLIC_REPLY";
pub const KB_ANSWERS: &str = "KB#ANSWERS";
pub const SURVEY: &str = "SURVEY";
pub const SURVEYS: &str = "SURVEYS";
pub const COMMENT: &str = "COMMENT";
pub const RATING: &str = "RATING";
pub const RATINGS: &str = "RATINGS";
pub const INTERACTION_DEMO: &str = "DEMO#INTERACTION";

pub fn consultation_pk(no: &str) -> String {
    format!("CONSULT#{no}")
}
/// A department's consultations of one status; `None`: not yet assigned.
pub fn consultation_queue(department_id: Option<&str>, status: &str) -> String {
    format!("CONSULTS#{}#{status}", department_id.unwrap_or("UNASSIGNED"))
}
pub fn consultation_seq_pk(year: i32) -> String {
    format!("SEQ#ZX#{year}")
}
pub fn survey_pk(id: &str) -> String {
    format!("SURVEY#{id}")
}
pub fn respondent_sk(user_id: &str) -> String {
    format!("RESPONDENT#{user_id}")
}
pub fn response_sk(at: &str, id: &str) -> String {
    format!("RESPONSE#{at}#{id}")
}
pub fn tally_sk(shard: u32) -> String {
    format!("TALLY#{shard}")
}
pub fn comment_pk(id: &str) -> String {
    format!("COMMENT#{id}")
}
pub fn comments_index(target: &str) -> String {
    format!("COMMENTS#{target}")
}
/// Pending comments of a department; `None`: the platform's (policies).
pub fn comment_queue(department_id: Option<&str>) -> String {
    format!("COMMENTQ#{}", department_id.unwrap_or("PLATFORM"))
}
pub fn follow_up_queue(department_id: &str, status: &str) -> String {
    format!("FOLLOWUPS#{department_id}#{status}")
}
pub fn department_ratings_pk(department_id: &str) -> String {
    format!("RATINGS#DEPT#{department_id}")
}
pub fn item_ratings_pk(code: &str) -> String {
    format!("RATINGS#ITEM#{code}")
}
