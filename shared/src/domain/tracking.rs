//! Numbers and secret query codes for things the public submits and then follows without an
//! account: complaints (投诉), letters to the government mailbox (信箱) and consultations (咨询).
//! Also the shape of a published reply (§4.1.1 b), which several functions write and the
//! disclosure function lists.

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// What kind of submission a number belongs to; its prefix is part of the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackedKind {
    Complaint,
    Letter,
    Consultation,
}

impl TrackedKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TrackedKind::Complaint => "TS",
            TrackedKind::Letter => "XX",
            TrackedKind::Consultation => "ZX",
        }
    }
}

/// A tracking number such as `TS-2026-000042`: kind, year, sequence (per kind and year).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingNo(String);

impl TrackingNo {
    pub fn new(kind: TrackedKind, year: i32, sequence: u64) -> Self {
        Self(format!("{}-{year}-{sequence:06}", kind.prefix()))
    }

    /// Accepts lower case and surrounding spaces; `kind` must match the prefix.
    pub fn parse(kind: TrackedKind, s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let rest = s.strip_prefix(kind.prefix())?.strip_prefix('-')?;
        let (year, seq) = rest.split_once('-')?;
        let ok = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (6..=9).contains(&seq.len())
            && seq.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TrackingNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        [TrackedKind::Complaint, TrackedKind::Letter, TrackedKind::Consultation]
            .into_iter()
            .find_map(|k| Self::parse(k, &s))
            .ok_or_else(|| format!("not a tracking number: {s}"))
    }
}

impl From<TrackingNo> for String {
    fn from(n: TrackingNo) -> String {
        n.0
    }
}

/// The secret code a submitter uses to follow their submission. Only its hash is stored.
pub struct QueryCode(String);

/// Unambiguous characters (no 0/O, 1/I/L), so a code read over the phone survives.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

impl QueryCode {
    /// A new random 8-character code (about 40 bits).
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        Self((0..8).map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char).collect())
    }

    /// The code determined by 32 secret bytes, so that an idempotent retry can show the same
    /// code again without it ever being stored (see `UrlSigner::derive`).
    pub fn from_secret(bytes: &[u8; 32]) -> Self {
        // Four bytes per character: the modulo bias is below one in 10^8.
        Self(
            bytes
                .chunks_exact(4)
                .map(|c| {
                    let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize;
                    CODE_ALPHABET[n % CODE_ALPHABET.len()] as char
                })
                .collect(),
        )
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored: a hash salted with the tracking number, so equal codes differ.
    pub fn digest(&self, no: &TrackingNo) -> String {
        digest(no, &self.0)
    }
}

fn digest(no: &TrackingNo, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(no.as_str().as_bytes());
    h.update([0]);
    h.update(code.trim().to_ascii_uppercase().as_bytes());
    format!("{:x}", h.finalize())
}

/// Whether `code` is the code whose digest was stored for `no`; compares in constant time.
pub fn code_matches(no: &TrackingNo, code: &str, stored_digest: &str) -> bool {
    let given = digest(no, code);
    given.len() == stored_digest.len()
        && given.bytes().zip(stored_digest.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A question and its answer made public with the submitter's consent (§4.1.1 b). Holds no
/// personal data: the writer removes names, numbers and contact details before publishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedReply {
    pub kind: TrackedKind,
    pub number: TrackingNo,
    pub title: String,
    pub question: String,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_by_kind() {
        let no = TrackingNo::new(TrackedKind::Complaint, 2026, 42);
        assert_eq!(no.as_str(), "TS-2026-000042");
        assert_eq!(TrackingNo::parse(TrackedKind::Complaint, " ts-2026-000042 "), Some(no.clone()));
        assert_eq!(TrackingNo::parse(TrackedKind::Letter, "TS-2026-000042"), None);
        for bad in ["", "TS-26-000001", "TS-2026-01", "TS2026000001", "TS-2026-00000A"] {
            assert_eq!(TrackingNo::parse(TrackedKind::Complaint, bad), None, "{bad}");
        }
        let json = serde_json::to_string(&no).unwrap();
        assert_eq!(serde_json::from_str::<TrackingNo>(&json).unwrap(), no);
    }

    #[test]
    fn query_codes_match_only_their_number() {
        let no = TrackingNo::new(TrackedKind::Letter, 2026, 1);
        let other = TrackingNo::new(TrackedKind::Letter, 2026, 2);
        let code = QueryCode::generate();
        assert_eq!(code.expose().len(), 8);
        let stored = code.digest(&no);
        assert!(code_matches(&no, code.expose(), &stored));
        assert!(code_matches(&no, &code.expose().to_ascii_lowercase(), &stored), "case-insensitive");
        assert!(!code_matches(&other, code.expose(), &stored));
        assert!(!code_matches(&no, "WRONG234", &stored));
        assert_ne!(QueryCode::generate().expose(), code.expose());
    }

    #[test]
    fn codes_from_secret_bytes_are_stable_and_use_the_alphabet() {
        let a = QueryCode::from_secret(&[7; 32]);
        assert_eq!(a.expose(), QueryCode::from_secret(&[7; 32]).expose());
        assert_ne!(a.expose(), QueryCode::from_secret(&[8; 32]).expose());
        let mut bytes = [0u8; 32];
        bytes[31] = 1;
        assert_eq!(QueryCode::from_secret(&bytes).expose().len(), 8);
        assert!(a.expose().bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }
}
