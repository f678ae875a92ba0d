//! Text people write to the platform: bounded and trimmed when it comes in, and without personal
//! data when it is published.

use super::Violation;

/// Why a text was refused (shared by every kind of submission: complaints use it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("text is empty")]
    Empty,
    #[error("text is longer than {max} characters")]
    TooLong { max: usize },
    /// A control character other than line break or tab (e.g. NUL, bidirectional overrides).
    #[error("text contains control characters")]
    ControlCharacter,
}

impl TextError {
    pub fn code(self) -> &'static str {
        match self {
            TextError::Empty => "empty_text",
            TextError::TooLong { .. } => "text_too_long",
            TextError::ControlCharacter => "invalid_character",
        }
    }

    /// The message for the field called `label` (e.g. 咨询内容).
    pub fn message_zh(self, label: &str) -> String {
        match self {
            TextError::Empty => format!("{label}不能为空"),
            TextError::TooLong { max } => format!("{label}不能超过 {max} 个字"),
            TextError::ControlCharacter => format!("{label}含有不可见的控制字符，请删除后重试"),
        }
    }
}

/// Invisible characters that can reorder or hide text when it is shown to others: control
/// characters other than line break and tab, zero-width and bidirectional formatting characters.
/// Complaints and letters refuse the same ones.
pub fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The text trimmed, with CRLF as LF, if it is not empty, at most `max_chars` characters and
/// free of control characters.
pub fn bounded(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let text = raw.replace("\r\n", "\n").trim().to_owned();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().any(forbidden) {
        return Err(TextError::ControlCharacter);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    Ok(text)
}

/// [`bounded`] with the refusal as a [`Violation`] of `field`.
pub fn field(field: &str, label: &str, raw: &str, max_chars: usize) -> Result<String, Violation> {
    bounded(raw, max_chars).map_err(|e| Violation::new(field, e.code(), e.message_zh(label)))
}

/// [`field`] for an optional text: absent or blank is `None`.
pub fn optional_field(
    field_name: &str,
    label: &str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, Violation> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => field(field_name, label, s, max_chars).map(Some),
    }
}

/// The first `n` characters, with an ellipsis when cut.
pub fn excerpt(text: &str, n: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= n {
        flat
    } else {
        flat.chars().take(n).chain(std::iter::once('…')).collect()
    }
}

/// Runs of this many digits or more are taken for personal numbers (mobile 11, landline 7–8,
/// ID card 18, bank account 16+): shorter ones are years, amounts, article numbers.
pub const PERSONAL_DIGITS: usize = 7;

fn digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-".contains(c)
}

/// The text as it may be published: phone, ID card and account numbers (runs of
/// [`PERSONAL_DIGITS`] or more digits, spaces and hyphens inside allowed, an ID card's final X
/// included) and e-mail addresses are replaced by `*`, character for character. Names cannot be
/// recognised reliably; staff publishing an answer may reword the question for that.
pub fn redact(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    // E-mail addresses: a local part, '@', a domain with a dot.
    let mut i = 0;
    while i < n {
        if chars[i] == '@' {
            let start = (0..i).rev().take_while(|&k| email_local(chars[k])).last().unwrap_or(i);
            let end = (i + 1..n).take_while(|&k| email_domain(chars[k])).last().map_or(i + 1, |k| k + 1);
            let domain: String = chars[i + 1..end].iter().collect();
            if start < i && domain.trim_matches('.').contains('.') {
                chars[start..end].iter_mut().for_each(|c| *c = '*');
                i = end;
                continue;
            }
        }
        i += 1;
    }
    // Long digit runs.
    let mut i = 0;
    while i < n {
        if !digit(chars[i]) {
            i += 1;
            continue;
        }
        let mut end = i;
        let mut digits = 0;
        let mut k = i;
        while k < n {
            if digit(chars[k]) {
                digits += 1;
                end = k + 1;
                k += 1;
            } else if matches!(chars[k], ' ' | '-') && k + 1 < n && digit(chars[k + 1]) {
                k += 1;
            } else {
                break;
            }
        }
        if digits == 17 && end < n && matches!(chars[end], 'X' | 'x' | 'Ｘ') {
            end += 1;
            digits += 1;
        }
        if digits >= PERSONAL_DIGITS {
            chars[i..end].iter_mut().filter(|c| !matches!(c, ' ' | '-')).for_each(|c| *c = '*');
        }
        i = end.max(i + 1);
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn bounded_trims_and_refuses_empty_long_and_hidden_text() {
        assert_eq!(bounded("  开饭馆要办什么证？\r\n谢谢 ", 20), Ok("开饭馆要办什么证？\n谢谢".into()));
        assert_eq!(bounded(" \n\t ", 20), Err(TextError::Empty));
        assert_eq!(bounded(&"字".repeat(21), 20), Err(TextError::TooLong { max: 20 }));
        assert_eq!(bounded(&"字".repeat(20), 20).map(|s| s.chars().count()), Ok(20), "characters, not bytes");
        assert_eq!(bounded("a\u{0}b", 20), Err(TextError::ControlCharacter));
        assert_eq!(bounded("a\u{202E}b", 20), Err(TextError::ControlCharacter));
        assert_eq!(TextError::TooLong { max: 5 }.message_zh("留言内容"), "留言内容不能超过 5 个字");
    }

    #[test]
    fn redact_hides_phones_ids_accounts_and_emails_but_keeps_ordinary_numbers() {
        assert_eq!(redact("我的电话13800138000，请回电"), "我的电话***********，请回电");
        assert_eq!(redact("身份证52010219900101123X"), "身份证******************");
        assert_eq!(redact("座机 0851-86812345"), "座机 ****-********");
        assert_eq!(redact("联系 138 0013 8000"), "联系 *** **** ****");
        assert_eq!(redact("邮箱 zhang.san@example.com 谢谢"), "邮箱 ********************* 谢谢");
        assert_eq!(redact("电话１３８００１３８０００"), "电话***********");
        let ordinary = "2026年起，质量保证金20万元，GB 5749—2022，第三十五条，5个工作日，@所有人";
        assert_eq!(redact(ordinary), ordinary);
    }

    proptest! {
        #[test]
        fn redacted_text_keeps_its_shape_and_has_no_long_digit_run(s in "[0-9a-z@. \\-年号电话]{0,60}") {
            let r = redact(&s);
            prop_assert_eq!(r.chars().count(), s.chars().count());
            // A run as `redact` sees one: digits, joined by a space or hyphen before a digit.
            let chars: Vec<char> = r.chars().collect();
            let mut run = 0;
            for (i, c) in chars.iter().enumerate() {
                let joins = matches!(c, ' ' | '-') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
                run = if c.is_ascii_digit() { run + 1 } else if joins { run } else { 0 };
                prop_assert!(run < PERSONAL_DIGITS, "{r}");
            }
            prop_assert_eq!(redact(&r), r.clone(), "idempotent");
        }

        #[test]
        fn bounded_text_is_trimmed_nonempty_and_within_the_limit(s in "\\PC{0,40}", max in 1usize..30) {
            if let Ok(t) = bounded(&s, max) {
                prop_assert!(!t.is_empty() && t.chars().count() <= max);
                prop_assert_eq!(t.trim(), t.as_str());
            }
        }
    }
}
