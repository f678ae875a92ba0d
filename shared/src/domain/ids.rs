//! Identifiers that parse: a value of one of these types is valid by construction.
//!
//! Every type here keeps its normalised text in a private field, is built only through
//! `parse(&str)` (or `TryFrom<String>` / `FromStr`, which call it), and serialises as a plain
//! string (`#[serde(try_from = "String", into = "String")]`), so a deserialised value has been
//! checked too.
//!
//! * [`ResidentId`]: 18-character PRC resident identity number (公民身份号码, GB 11643-1999).
//! * [`Uscc`]: unified social credit code (统一社会信用代码, GB 32100-2015), including the
//!   embedded organisation code (组织机构代码, GB 11714-1997) check.
//! * [`Phone`]: mainland China mobile number (手机号码).
//! * [`ItemCode`]: licensing item code (事项编码).
//!
//! `ResidentId` and `Phone` are personal data: their `Debug` output is masked so that they do not
//! leak into logs through `{:?}`; `Display`, `as_str()` and serialisation give the full value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Why an identifier was refused. `code()` is the stable API error code (one per identifier
/// type), `message_zh()` the message shown to the user; the variant says which rule failed.
/// Positions are 1-based character positions in the trimmed input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    // ---- 公民身份号码 (code "invalid_id_number") ----
    #[error("resident ID number must be 18 characters, got {len}")]
    IdNumberLength { len: usize },
    #[error(
        "resident ID number has an invalid character at position {position} \
         (17 digits followed by a digit or 'X' expected)"
    )]
    IdNumberCharacter { position: usize },
    #[error("resident ID number starts with an unknown province-level code {code:02}")]
    IdNumberProvince { code: u8 },
    #[error("resident ID number contains an impossible birth date (characters 7-14)")]
    IdNumberBirthDate,
    #[error("resident ID number check character is wrong")]
    IdNumberCheck,

    // ---- 统一社会信用代码 (code "invalid_uscc") ----
    #[error("unified social credit code must be 18 characters, got {len}")]
    UsccLength { len: usize },
    #[error(
        "unified social credit code has an invalid character at position {position} \
         (digits and upper-case letters except I, O, Z, S, V expected)"
    )]
    UsccCharacter { position: usize },
    #[error("unified social credit code has an unknown registration authority code (character 1)")]
    UsccRegistrationAuthority,
    #[error(
        "unified social credit code has a malformed administrative division code \
         (characters 3-8 must be digits)"
    )]
    UsccDivision,
    #[error(
        "unified social credit code has a wrong embedded organisation code \
         (characters 9-17, GB 11714 check character)"
    )]
    UsccOrganisationCode,
    #[error("unified social credit code check character is wrong")]
    UsccCheck,

    // ---- 手机号码 (code "invalid_phone") ----
    #[error("mobile phone number must have 11 digits, got {len}")]
    PhoneLength { len: usize },
    #[error("mobile phone number may only contain digits, spaces, '-' and a leading +86")]
    PhoneCharacter,
    #[error("only mainland China mobile numbers (+86) are accepted")]
    PhoneCountryCode,
    #[error("mobile phone number must start with 13-19")]
    PhonePrefix,

    // ---- 事项编码 (code "invalid_item_code") ----
    #[error("item code must be 4-48 characters of A-Z, 0-9 and '-'")]
    ItemCode,
}

impl IdError {
    /// Stable API error code: `invalid_id_number`, `invalid_uscc`, `invalid_phone` or
    /// `invalid_item_code`.
    pub fn code(&self) -> &'static str {
        use IdError::*;
        match self {
            IdNumberLength { .. }
            | IdNumberCharacter { .. }
            | IdNumberProvince { .. }
            | IdNumberBirthDate
            | IdNumberCheck => "invalid_id_number",
            UsccLength { .. }
            | UsccCharacter { .. }
            | UsccRegistrationAuthority
            | UsccDivision
            | UsccOrganisationCode
            | UsccCheck => "invalid_uscc",
            PhoneLength { .. } | PhoneCharacter | PhoneCountryCode | PhonePrefix => "invalid_phone",
            IdError::ItemCode => "invalid_item_code",
        }
    }

    /// Message for the user, in Chinese, saying what is wrong.
    pub fn message_zh(&self) -> &'static str {
        use IdError::*;
        match self {
            IdNumberLength { .. } => "身份证号码应为18位，请核对后重新输入",
            IdNumberCharacter { .. } => "身份证号码只能由数字组成，最后一位可以是字母X，请核对后重新输入",
            IdNumberProvince { .. } => "身份证号码前两位（省级行政区划代码）不正确，请核对后重新输入",
            IdNumberBirthDate => "身份证号码中的出生日期（第7至14位）不正确，请核对后重新输入",
            IdNumberCheck => "身份证号码校验位不正确，请核对后重新输入",
            UsccLength { .. } => "统一社会信用代码应为18位，请核对后重新输入",
            UsccCharacter { .. } => {
                "统一社会信用代码只能由数字和大写字母组成（不含I、O、Z、S、V），请核对后重新输入"
            }
            UsccRegistrationAuthority => "统一社会信用代码第1位（登记管理部门代码）不正确，请核对后重新输入",
            UsccDivision => "统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字，请核对后重新输入",
            UsccOrganisationCode => "统一社会信用代码第9至17位（主体标识码）不正确，请核对后重新输入",
            UsccCheck => "统一社会信用代码校验位不正确，请核对后重新输入",
            PhoneLength { .. } => "手机号码应为11位数字，请核对后重新输入",
            PhoneCharacter => "手机号码只能包含数字，请核对后重新输入",
            PhoneCountryCode => "仅支持中国大陆手机号码，请核对后重新输入",
            PhonePrefix => "手机号码应以13至19开头，请核对后重新输入",
            IdError::ItemCode => "事项编码格式不正确",
        }
    }
}

/// `TryFrom<String>`, `FromStr`, `From<T> for String`, `AsRef<str>` and `Display` for an
/// identifier type with `parse`, `as_str` and a private `into_string`.
macro_rules! string_id {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.into_string()
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Keeps the first `head` and last `tail` characters of an ASCII string of at least
/// `head + tail` characters, the rest as '*'.
fn mask(s: &str, head: usize, tail: usize) -> String {
    let n = s.len();
    format!("{}{}{}", &s[..head], "*".repeat(n - head - tail), &s[n - tail..])
}

// ---------------------------------------------------------------------------------------------
// 公民身份号码 (GB 11643-1999)
// ---------------------------------------------------------------------------------------------

/// Weights of characters 1–17 of a resident ID number (2^(17-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of Σ(digit × weight) mod 11.
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// Province-level codes (first two digits) that occur in resident ID numbers and in the
/// residence permits for Hong Kong (81), Macao (82) and Taiwan (83) residents, which use the
/// same format.
fn is_province_code(code: u8) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83
    )
}

/// A PRC resident identity number (公民身份号码, GB 11643-1999): six-digit address code,
/// eight-digit birth date, three-digit sequence code and a check character (digit or 'X').
///
/// Parsing trims surrounding whitespace, accepts a lower-case 'x' (stored as 'X') and checks the
/// province-level code, that the birth date is a real date in or after 1900 and the ISO 7064
/// MOD 11-2 check character. No clock is read: a birth date in the future is not refused.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    value: String,
    birth_date: Date,
}

impl ResidentId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let len = s.chars().count();
        if len != 18 {
            return Err(IdError::IdNumberLength { len });
        }
        // 18 characters; anything non-ASCII is refused here, so from now on bytes = characters.
        let mut value = String::with_capacity(18);
        for (i, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => value.push(c),
                'X' | 'x' if i == 17 => value.push('X'),
                _ => return Err(IdError::IdNumberCharacter { position: i + 1 }),
            }
        }
        let bytes = value.as_bytes();
        let digit = |i: usize| u32::from(bytes[i] - b'0');

        let province = (digit(0) * 10 + digit(1)) as u8;
        if !is_province_code(province) {
            return Err(IdError::IdNumberProvince { code: province });
        }

        let number = |from: usize, to: usize| (from..to).fold(0u32, |n, i| n * 10 + digit(i));
        let year = number(6, 10) as i32;
        let month = number(10, 12) as u8;
        let day = number(12, 14) as u8;
        let birth_date = Month::try_from(month)
            .ok()
            .filter(|_| year >= 1900)
            .and_then(|m| Date::from_calendar_date(year, m, day).ok())
            .ok_or(IdError::IdNumberBirthDate)?;

        let sum: u32 = ID_WEIGHTS.iter().enumerate().map(|(i, w)| digit(i) * w).sum();
        if ID_CHECK[(sum % 11) as usize] != bytes[17] {
            return Err(IdError::IdNumberCheck);
        }

        Ok(Self { value, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The first 3 and last 4 characters, the rest as '*': `110***********002X`.
    pub fn masked(&self) -> String {
        mask(&self.value, 3, 4)
    }

    fn into_string(self) -> String {
        self.value
    }
}

string_id!(ResidentId);

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码 (GB 32100-2015) with the embedded 组织机构代码 (GB 11714-1997)
// ---------------------------------------------------------------------------------------------

/// The USCC character set; a character's value is its index (0–30).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of characters 1–17 of a USCC (3^(i-1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Registration authority codes (登记管理部门代码), character 1: 1 机构编制, 2 外交, 3 司法行政,
/// 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室,
/// N 农业, Y 其他.
const USCC_AUTHORITIES: &[u8] = b"123456789ANY";
/// Weights of the 8 body characters of an organisation code (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn uscc_value(b: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&c| c == b).map(|v| v as u32)
}

/// GB 11714 character value: '0'–'9' → 0–9, 'A'–'Z' → 10–35 (note: not the USCC value).
fn org_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        _ => u32::from(b - b'A') + 10,
    }
}

/// GB 11714 check character of an 8-character organisation code body:
/// C9 = 11 − (Σ Ci × Wi mod 11), 10 → 'X', 11 → '0'.
fn org_check(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(ORG_WEIGHTS).map(|(&b, w)| org_value(b) * w).sum();
    match 11 - sum % 11 {
        11 => b'0',
        10 => b'X',
        c => b'0' + c as u8,
    }
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015): registration authority code
/// (1), organisation category code (1), administrative division code of the registration
/// authority (6 digits), subject identifier = organisation code (9, GB 11714-1997) and a check
/// character.
///
/// Parsing trims surrounding whitespace and upper-cases; checks the character set, the
/// registration authority code (1–9, A, N, Y), that characters 3–8 are digits, the MOD 31
/// check character and the GB 11714 check character of the embedded organisation code. The
/// organisation category (character 2) is only required to be in the character set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let len = s.chars().count();
        if len != 18 {
            return Err(IdError::UsccLength { len });
        }
        if let Some(i) = s.chars().position(|c| !c.is_ascii()) {
            return Err(IdError::UsccCharacter { position: i + 1 });
        }
        let s = s.to_ascii_uppercase();
        let bytes = s.as_bytes();

        let mut values = [0u32; 18];
        for (i, &b) in bytes.iter().enumerate() {
            values[i] = uscc_value(b).ok_or(IdError::UsccCharacter { position: i + 1 })?;
        }
        if !USCC_AUTHORITIES.contains(&bytes[0]) {
            return Err(IdError::UsccRegistrationAuthority);
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(IdError::UsccDivision);
        }
        let sum: u32 = USCC_WEIGHTS.iter().zip(values).map(|(w, v)| w * v).sum();
        if (31 - sum % 31) % 31 != values[17] {
            return Err(IdError::UsccCheck);
        }
        if org_check(&bytes[8..16]) != bytes[16] {
            return Err(IdError::UsccOrganisationCode);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3–8: the administrative division code of the registration authority.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Characters 9–17: the organisation code (组织机构代码, GB 11714-1997), without hyphen.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The first 6 and last 4 characters, the rest as '*': `913501********0Y43`.
    pub fn masked(&self) -> String {
        mask(&self.0, 6, 4)
    }

    fn into_string(self) -> String {
        self.0
    }
}

string_id!(Uscc);

// ---------------------------------------------------------------------------------------------
// 手机号码
// ---------------------------------------------------------------------------------------------

/// A mainland China mobile number: 11 digits, `1[3-9]` followed by 9 digits.
///
/// Parsing trims, drops whitespace and '-' anywhere, and strips a `+86` prefix or an `86`
/// prefix in front of 11 digits; any other `+` country code is refused.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let compact: String = s.chars().filter(|&c| !(c.is_whitespace() || c == '-')).collect();
        let digits = if let Some(rest) = compact.strip_prefix("+86") {
            rest
        } else if compact.starts_with('+') {
            return Err(IdError::PhoneCountryCode);
        } else if compact.len() == 13 && compact.starts_with("86") {
            &compact[2..]
        } else {
            &compact
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::PhoneCharacter);
        }
        if digits.len() != 11 {
            return Err(IdError::PhoneLength { len: digits.len() });
        }
        let b = digits.as_bytes();
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(IdError::PhonePrefix);
        }
        Ok(Self(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 3 and last 4 digits, the middle four as '*': `138****5678`.
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }

    fn into_string(self) -> String {
        self.0
    }
}

string_id!(Phone);

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// 事项编码
// ---------------------------------------------------------------------------------------------

/// A licensing item code (事项编码): 4–48 characters of upper-case ASCII letters, digits and
/// '-', starting with a letter or digit. Lower case is accepted and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemCode(String);

impl ItemCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (4..=48).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok { Ok(Self(s)) } else { Err(IdError::ItemCode) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn into_string(self) -> String {
        self.0
    }
}

string_id!(ItemCode);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    // ---- independent reference implementations used to build test numbers ----

    fn id_check_char(body17: &str) -> char {
        let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let s: u32 = body17.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
        "10X98765432".chars().nth((s % 11) as usize).unwrap()
    }

    const ALPHA: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    fn uscc_check_char(body17: &str) -> char {
        let mut s = 0u32;
        let mut w = 1u32;
        for c in body17.chars() {
            s += ALPHA.find(c).unwrap() as u32 * w;
            w = w * 3 % 31;
        }
        ALPHA.chars().nth(((31 - s % 31) % 31) as usize).unwrap()
    }

    fn org_check_char(body8: &str) -> char {
        let w = [3, 7, 9, 10, 5, 8, 4, 2];
        let s: u32 = body8.chars().zip(w).map(|(c, w)| c.to_digit(36).unwrap() * w).sum();
        match 11 - s % 11 {
            10 => 'X',
            11 => '0',
            c => char::from_digit(c, 10).unwrap(),
        }
    }

    /// Builds a valid USCC from its first 16 characters (authority, category, division, org
    /// body).
    fn uscc_from(first16: &str) -> String {
        let body17 = format!("{first16}{}", org_check_char(&first16[8..16]));
        let check = uscc_check_char(&body17);
        format!("{body17}{check}")
    }

    // ---- 公民身份号码 ----

    #[test]
    fn id_standard_example_parses() {
        // The example of GB 11643-1999; check character hand-computed: S = 167, 167 mod 11 = 2 → X.
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.to_string(), "11010519491231002X");
        assert_eq!(AsRef::<str>::as_ref(&id), "11010519491231002X");
    }

    #[test]
    fn id_hand_computed_examples_parse() {
        // S = 200 → 2 → X.
        let a = ResidentId::parse("31010419900307123X").unwrap();
        assert_eq!(a.birth_date(), date!(1990 - 03 - 07));
        // S = 114 → 4 → 8; 29 February of a leap year.
        let b = ResidentId::parse("110101200002290018").unwrap();
        assert_eq!(b.birth_date(), date!(2000 - 02 - 29));
        // Residence permit prefixes 81, 82, 83 and a birth date in the future (no clock).
        for body in ["81000019800101001", "82000019800101001", "83000019800101001"] {
            let s = format!("{body}{}", id_check_char(body));
            assert!(ResidentId::parse(&s).is_ok(), "{s}");
        }
        let future = format!("11010121000101001{}", id_check_char("11010121000101001"));
        assert!(ResidentId::parse(&future).is_ok());
    }

    #[test]
    fn id_trims_and_normalises_lower_case_x() {
        let id = ResidentId::parse("  11010519491231002x\t").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id, ResidentId::parse("11010519491231002X").unwrap());
    }

    #[test]
    fn id_rejections() {
        use IdError::*;
        let cases: &[(&str, IdError)] = &[
            ("", IdNumberLength { len: 0 }),
            ("11010519491231002", IdNumberLength { len: 17 }),
            ("11010519491231002X0", IdNumberLength { len: 19 }),
            ("11010519491231002Ｘ", IdNumberCharacter { position: 18 }),
            ("1101051949123100XX", IdNumberCharacter { position: 17 }),
            ("A1010519491231002X", IdNumberCharacter { position: 1 }),
            ("110105 9491231002X", IdNumberCharacter { position: 7 }),
            ("11010519491231002Y", IdNumberCharacter { position: 18 }),
            ("00010519491231002X", IdNumberProvince { code: 0 }),
            ("16010519491231002X", IdNumberProvince { code: 16 }),
            ("91010519491231002X", IdNumberProvince { code: 91 }),
            // GB 11643-1999's other example: its check character (4) is right but 1880 < 1900.
            ("440524188001010014", IdNumberBirthDate),
            ("11010119000229001X", IdNumberBirthDate), // 1900 is not a leap year
            ("11010120010229001X", IdNumberBirthDate),
            ("11010119901301001X", IdNumberBirthDate),
            ("11010119900001001X", IdNumberBirthDate),
            ("11010119900431001X", IdNumberBirthDate),
            ("11010119900100001X", IdNumberBirthDate),
            ("110105194912310020", IdNumberCheck),
            ("110105194912310021", IdNumberCheck),
        ];
        for (input, expected) in cases {
            let err = ResidentId::parse(input).unwrap_err();
            assert_eq!(&err, expected, "{input}");
            assert_eq!(err.code(), "invalid_id_number");
        }
        assert_eq!(IdNumberCheck.message_zh(), "身份证号码校验位不正确，请核对后重新输入");
    }

    #[test]
    fn id_debug_is_masked_and_serde_round_trips() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), r#"ResidentId("110***********002X")"#);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#""11010519491231002X""#);
        assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ResidentId>(r#""110105194912310021""#).is_err());
    }

    // ---- 统一社会信用代码 ----

    #[test]
    fn uscc_standard_example_parses() {
        // GB 32100-2015's worked example: Σ = 1640, 1640 mod 31 = 28, 31 − 28 = 3. Embedded
        // organisation code M000100Y-4: M = 22, Y = 34 (GB 11714 values), Σ = 139, 139 mod 11 =
        // 7, 11 − 7 = 4.
        let c = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
        assert_eq!(c.division_code(), "350100");
        assert_eq!(c.organisation_code(), "M000100Y4");
        assert_eq!(c.masked(), "913501********0Y43");
        assert_eq!(uscc_from("91350100M000100Y"), "91350100M000100Y43");
        // The standard's counter-example ends in 'Z', which is not even in the character set.
        assert_eq!(Uscc::parse("91350100M000100Y4Z"), Err(IdError::UsccCharacter { position: 18 }));
    }

    #[test]
    fn uscc_hand_computed_examples_parse() {
        // Org code 19220382-1: Σ = 164, 164 mod 11 = 10, 11 − 10 = 1. USCC Σ = 831,
        // 831 mod 31 = 25, 31 − 25 = 6.
        assert!(Uscc::parse("914403001922038216").is_ok());
        // Org code 71093123-X: Σ = 155, 155 mod 11 = 1, 11 − 1 = 10 → X. USCC (X = 29):
        // Σ = 1304, 1304 mod 31 = 2, 31 − 2 = 29 → X.
        assert!(Uscc::parse("9111000071093123XX").is_ok());
        assert_eq!(Uscc::parse("9111000071093123XT"), Err(IdError::UsccCheck));
        // Every registration authority code.
        for a in "123456789ANY".chars() {
            let s = uscc_from(&format!("{a}1110000MA01AB2C"));
            assert!(Uscc::parse(&s).is_ok(), "{s}");
        }
    }

    #[test]
    fn uscc_check_value_31_maps_to_0() {
        // Search the sequence space for a code whose MOD 31 sum is 0 (check character '0').
        let found =
            (0..100_000).map(|n| uscc_from(&format!("91110000{n:08}"))).find(|s| s.ends_with('0')).unwrap();
        assert!(Uscc::parse(&found).is_ok(), "{found}");
        // And organisation codes whose check character is '0' (11) and 'X' (10).
        let org_0 = (0..100_000)
            .map(|n| uscc_from(&format!("91110000{n:08}")))
            .find(|s| s.as_bytes()[16] == b'0')
            .unwrap();
        assert!(Uscc::parse(&org_0).is_ok(), "{org_0}");
    }

    #[test]
    fn uscc_normalises_case_and_whitespace() {
        let c = Uscc::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn uscc_rejections() {
        use IdError::*;
        let cases: &[(&str, IdError)] = &[
            ("", UsccLength { len: 0 }),
            ("91350100M000100Y4", UsccLength { len: 17 }),
            ("91350100M000100Y433", UsccLength { len: 19 }),
            ("91350100M000100Y4３", UsccCharacter { position: 18 }),
            ("91350100I000100Y43", UsccCharacter { position: 9 }),
            ("91350100M0O0100Y43", UsccCharacter { position: 11 }),
            ("9135010 M000100Y43", UsccCharacter { position: 8 }),
            ("Z1350100M000100Y43", UsccCharacter { position: 1 }),
            ("01350100M000100Y43", UsccRegistrationAuthority),
            ("B1350100M000100Y43", UsccRegistrationAuthority),
            ("913501A0M000100Y43", UsccDivision),
            ("91350100M000100Y44", UsccCheck),
            ("91350100M000100Y4Z", UsccCharacter { position: 18 }),
            ("91350100M000100Y42", UsccCheck),
        ];
        for (input, expected) in cases {
            let err = Uscc::parse(input).unwrap_err();
            assert_eq!(&err, expected, "{input}");
            assert_eq!(err.code(), "invalid_uscc");
        }
        // A code with a consistent MOD 31 check but a wrong organisation code check.
        let body17 = "91350100M000100Y5";
        let s = format!("{body17}{}", uscc_check_char(body17));
        assert_eq!(Uscc::parse(&s), Err(UsccOrganisationCode));
    }

    #[test]
    fn uscc_serde_round_trips() {
        let c = Uscc::parse("91350100M000100Y43").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#""91350100M000100Y43""#);
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), c);
        assert_eq!(serde_json::from_str::<Uscc>(r#""91350100m000100y43""#).unwrap(), c);
        assert!(serde_json::from_str::<Uscc>(r#""91350100M000100Y44""#).is_err());
    }

    // ---- 手机号码 ----

    #[test]
    fn phone_accepts_and_normalises() {
        for input in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "8613812345678",
            "86 13812345678",
        ] {
            let p = Phone::parse(input).unwrap();
            assert_eq!(p.as_str(), "13812345678", "{input}");
        }
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(format!("{p:?}"), r#"Phone("138****5678")"#);
        assert_eq!(p.to_string(), "13812345678");
        for prefix in 3..=9 {
            assert!(Phone::parse(&format!("1{prefix}000000000")).is_ok());
        }
    }

    #[test]
    fn phone_rejections() {
        use IdError::*;
        let cases: &[(&str, IdError)] = &[
            ("", PhoneLength { len: 0 }),
            ("1381234567", PhoneLength { len: 10 }),
            ("138123456789", PhoneLength { len: 12 }),
            ("+861381234567", PhoneLength { len: 10 }),
            ("008613812345678", PhoneLength { len: 15 }),
            ("1381234567a", PhoneCharacter),
            ("(138)12345678", PhoneCharacter),
            ("１３８１２３４５６７８", PhoneCharacter),
            ("+8513812345678", PhoneCountryCode),
            ("+12025550123", PhoneCountryCode),
            ("23812345678", PhonePrefix),
            ("10012345678", PhonePrefix),
            ("11812345678", PhonePrefix),
            ("12812345678", PhonePrefix),
            ("+8623812345678", PhonePrefix),
        ];
        for (input, expected) in cases {
            let err = Phone::parse(input).unwrap_err();
            assert_eq!(&err, expected, "{input}");
            assert_eq!(err.code(), "invalid_phone");
        }
    }

    #[test]
    fn phone_serde_round_trips() {
        let p = Phone::parse("+86 139-0000-1111").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#""13900001111""#);
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        assert!(serde_json::from_str::<Phone>(r#""12900001111""#).is_err());
    }

    // ---- 事项编码 ----

    #[test]
    fn item_code_unchanged() {
        let c = ItemCode::parse(" ab-12 ").unwrap();
        assert_eq!(c.as_str(), "AB-12");
        assert_eq!(c.to_string(), "AB-12");
        assert_eq!(AsRef::<str>::as_ref(&c), "AB-12");
        assert_eq!(ItemCode::parse("-AB1"), Err(IdError::ItemCode));
        assert_eq!(ItemCode::parse("AB1"), Err(IdError::ItemCode));
        assert_eq!(ItemCode::parse("AB_1"), Err(IdError::ItemCode));
        assert_eq!(IdError::ItemCode.code(), "invalid_item_code");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<ItemCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<ItemCode>(r#""x""#).is_err());
    }

    #[test]
    fn every_error_has_a_chinese_message_and_a_known_code() {
        use IdError::*;
        let all = [
            IdNumberLength { len: 1 },
            IdNumberCharacter { position: 1 },
            IdNumberProvince { code: 99 },
            IdNumberBirthDate,
            IdNumberCheck,
            UsccLength { len: 1 },
            UsccCharacter { position: 1 },
            UsccRegistrationAuthority,
            UsccDivision,
            UsccOrganisationCode,
            UsccCheck,
            PhoneLength { len: 1 },
            PhoneCharacter,
            PhoneCountryCode,
            PhonePrefix,
            IdError::ItemCode,
        ];
        for e in all {
            assert!(
                ["invalid_id_number", "invalid_uscc", "invalid_phone", "invalid_item_code"]
                    .contains(&e.code())
            );
            assert!(!e.message_zh().is_empty());
            assert!(!e.to_string().is_empty());
        }
    }

    // ---- property tests ----

    const PROVINCES: &[u8] = &[
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
        54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ];

    prop_compose! {
        /// A valid resident ID number: plausible province, random rest of the address code,
        /// a real date in 1900–2099, random sequence code and the right check character.
        fn valid_id()(
            province in proptest::sample::select(PROVINCES),
            area in 0u32..10_000,
            day in date!(1900 - 01 - 01).to_julian_day()..=date!(2099 - 12 - 31).to_julian_day(),
            seq in 0u32..1000,
        ) -> (String, Date) {
            let d = Date::from_julian_day(day).unwrap();
            let body = format!(
                "{province:02}{area:04}{:04}{:02}{:02}{seq:03}",
                d.year(),
                d.month() as u8,
                d.day()
            );
            (format!("{body}{}", id_check_char(&body)), d)
        }
    }

    fn alpha_char() -> impl Strategy<Value = char> {
        proptest::sample::select(ALPHA.chars().collect::<Vec<_>>())
    }

    prop_compose! {
        /// A valid USCC: authority 1–9/A/N/Y, any category, six-digit division, random
        /// organisation code body from the USCC alphabet, both check characters right.
        fn valid_uscc()(
            authority in proptest::sample::select("123456789ANY".chars().collect::<Vec<_>>()),
            category in alpha_char(),
            division in 0u32..1_000_000,
            org in proptest::collection::vec(alpha_char(), 8),
        ) -> String {
            let org: String = org.into_iter().collect();
            uscc_from(&format!("{authority}{category}{division:06}{org}"))
        }
    }

    /// Replaces the character at `pos` with the `shift`-th next character of `alphabet`
    /// (cyclically), so the result always differs from the original.
    fn substitute(s: &str, alphabet: &str, pos: usize, shift: usize) -> String {
        let alphabet: Vec<char> = alphabet.chars().collect();
        let mut chars: Vec<char> = s.chars().collect();
        let i = alphabet.iter().position(|&c| c == chars[pos]).unwrap();
        chars[pos] = alphabet[(i + shift) % alphabet.len()];
        chars.into_iter().collect()
    }

    proptest! {
        #[test]
        fn prop_valid_ids_parse_and_round_trip((s, d) in valid_id()) {
            let id = ResidentId::parse(&s).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(id.birth_date(), d);
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id.clone());
            let shown = format!("{id}");
            prop_assert_eq!(ResidentId::parse(&shown).unwrap(), id);
        }

        #[test]
        fn prop_id_single_substitution_is_rejected(
            (s, _) in valid_id(), pos in 0usize..18, shift in 1usize..11,
        ) {
            let bad = substitute(&s, "0123456789X", pos, shift);
            prop_assert!(ResidentId::parse(&bad).is_err(), "{} accepted", bad);
        }

        #[test]
        fn prop_id_lower_case_normalises((s, _) in valid_id()) {
            let lower = s.to_ascii_lowercase();
            let parsed = ResidentId::parse(&lower).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn prop_valid_usccs_parse_and_round_trip(s in valid_uscc()) {
            let c = Uscc::parse(&s).unwrap();
            prop_assert_eq!(c.as_str(), s.as_str());
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), c.clone());
            let shown = format!("{c}");
            prop_assert_eq!(Uscc::parse(&shown).unwrap(), c);
        }

        #[test]
        fn prop_uscc_single_substitution_is_rejected(
            s in valid_uscc(), pos in 0usize..18, shift in 1usize..31,
        ) {
            let bad = substitute(&s, ALPHA, pos, shift);
            prop_assert!(Uscc::parse(&bad).is_err(), "{} accepted", bad);
        }

        #[test]
        fn prop_uscc_lower_case_normalises(s in valid_uscc()) {
            let lower = s.to_ascii_lowercase();
            let parsed = Uscc::parse(&lower).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn prop_valid_phones_parse_and_round_trip(
            second in 3u8..=9, rest in 0u64..1_000_000_000, plus86 in any::<bool>(),
        ) {
            let s = format!("1{second}{rest:09}");
            let input = if plus86 { format!("+86 {}-{}-{}", &s[..3], &s[3..7], &s[7..]) } else { s.clone() };
            let p = Phone::parse(&input).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(p.masked(), format!("{}****{}", &s[..3], &s[7..]));
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        }

        #[test]
        fn prop_phone_bad_prefix_or_character_is_rejected(
            rest in 0u64..1_000_000_000, pos in 0usize..11, bad in "[^0-9 \\-+]",
        ) {
            let s = format!("13{rest:09}");
            let mut chars: Vec<String> = s.chars().map(String::from).collect();
            chars[pos] = bad;
            prop_assert!(Phone::parse(&chars.concat()).is_err());
            for first in ["0", "2", "9"] {
                let bad_first = format!("{first}{}", &s[1..]);
                prop_assert!(Phone::parse(&bad_first).is_err());
            }
            for second in ["0", "1", "2"] {
                let bad_second = format!("1{second}{}", &s[2..]);
                prop_assert!(Phone::parse(&bad_second).is_err());
            }
        }

        #[test]
        fn prop_item_code_lower_case_normalises(s in "[A-Z0-9][A-Z0-9-]{3,47}") {
            let lower = s.to_ascii_lowercase();
            let parsed = ItemCode::parse(&lower).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }
    }
}
