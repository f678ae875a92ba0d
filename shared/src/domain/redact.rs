//! Removing personal data from text before it is published (§3.2, §4.1.1 b): what a complainant
//! or letter writer wrote and what the department answered appear in the public replies only
//! after this has run over them.
//!
//! What is removed:
//! - resident ID numbers, mobile numbers and unified social credit codes, recognised by the
//!   parsers in [`super::ids`] even when written with spaces or hyphens (`138 0013 8000`);
//! - any other run of 7 or more digits (landlines, old 15-digit ID numbers, bank cards, a
//!   mistyped ID number): a number that long in a complaint is almost always someone's;
//! - e-mail addresses;
//! - the names the caller knows belong to the submitter: a person's name keeps its first
//!   character (张三 → 张某), an organisation's name becomes 某单位.
//!
//! It cannot know every name a text mentions (a clerk's, a neighbour's), which is why staff
//! approve the published wording; this runs over their wording too.

use super::ids::{Phone, ResidentId, Uscc};

pub const ID_NUMBER: &str = "[身份证号码已隐去]";
pub const PHONE: &str = "[手机号码已隐去]";
pub const USCC: &str = "[统一社会信用代码已隐去]";
pub const NUMBER: &str = "[号码已隐去]";
pub const EMAIL: &str = "[电子邮箱已隐去]";
/// Replaces an organisation's name.
pub const ORGANISATION: &str = "某单位";

/// Digit runs this long are removed even when no parser recognises them.
pub const LONG_NUMBER_DIGITS: usize = 7;

/// Whose names to remove: people (family name kept) and organisations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub people: Vec<String>,
    pub organisations: Vec<String>,
}

/// `text` with the personal data described in the module documentation replaced.
pub fn redact(text: &str, names: &Names) -> String {
    let text = replace_names(text, names);
    let text = replace_emails(&text);
    replace_numbers(&text)
}

/// Whether `text` still holds something [`redact`] would remove.
pub fn contains_personal_data(text: &str, names: &Names) -> bool {
    redact(text, names) != ascii_digits(text)
}

/// Full-width digits (１３８…) as ASCII digits, so they are recognised too.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect()
}

fn replace_names(text: &str, names: &Names) -> String {
    let mut out = text.to_owned();
    // Longest first, so 贵阳某某餐饮有限公司 goes before a shorter name inside it.
    let mut organisations: Vec<&str> =
        names.organisations.iter().map(|n| n.trim()).filter(|n| n.chars().count() >= 2).collect();
    organisations.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in organisations {
        out = out.replace(name, ORGANISATION);
    }
    let mut people: Vec<&str> =
        names.people.iter().map(|n| n.trim()).filter(|n| n.chars().count() >= 2).collect();
    people.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in people {
        let family: String = name.chars().take(1).collect();
        out = out.replace(name, &format!("{family}某"));
    }
    out
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-".contains(c)
}

fn replace_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let start = (0..i).rev().take_while(|&j| is_email_local(chars[j])).last();
            let mut end = (i + 1..chars.len()).take_while(|&j| is_email_domain(chars[j])).last();
            // A full stop after the address ends the sentence, not the domain.
            while end.is_some_and(|e| e > i + 1 && chars[e] == '.') {
                end = end.map(|e| e - 1);
            }
            if let (Some(start), Some(end)) = (start, end)
                && chars[i + 1..=end].contains(&'.')
            {
                // The local part was already copied out: take it back.
                let copied: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
                out.truncate(out.len() - copied);
                out.push_str(EMAIL);
                i = end + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Characters that may make up a written number: ASCII letters and digits, and inside it `+`,
/// `-` and spaces (`+86 138-0013-8000`).
fn in_number(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == ' '
}

fn replace_numbers(text: &str) -> String {
    let text = ascii_digits(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '+') {
        out.push_str(&rest[..start]);
        let run_len = rest[start..].find(|c: char| !in_number(c)).unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        // Separators at the end belong to the surrounding text.
        let trimmed = run.trim_end_matches([' ', '-', '+']);
        out.push_str(&redact_run(trimmed));
        out.push_str(&run[trimmed.len()..]);
        rest = &rest[start + run_len..];
    }
    out.push_str(rest);
    out
}

/// A run of letters, digits and separators: as a whole one recognised number, or word by word.
fn redact_run(run: &str) -> String {
    if let Some(label) = recognise(run) {
        return label.to_owned();
    }
    let mut out = String::with_capacity(run.len());
    let mut word = String::new();
    for c in run.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            out.push_str(&redact_word(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&redact_word(&word));
    out
}

/// The placeholder for a whole written number the parsers recognise, if any.
fn recognise(s: &str) -> Option<&'static str> {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact.bytes().filter(u8::is_ascii_digit).count();
    if digits < LONG_NUMBER_DIGITS {
        return None;
    }
    if ResidentId::parse(&compact).is_ok() {
        Some(ID_NUMBER)
    } else if Phone::parse(&compact).is_ok() {
        Some(PHONE)
    } else if Uscc::parse(&compact).is_ok() {
        Some(USCC)
    } else {
        None
    }
}

/// One word: recognised as a whole, or with every long digit run (an ID number's `X` included)
/// replaced.
fn redact_word(word: &str) -> String {
    if let Some(label) = recognise(word) {
        return label.to_owned();
    }
    let mut out = String::with_capacity(word.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String, next: Option<char>| {
        if digits.len() >= LONG_NUMBER_DIGITS {
            out.push_str(NUMBER);
            // 17 digits and a check character X: the X goes with them.
            return digits.len() == 17 && matches!(next, Some('X' | 'x'));
        }
        out.push_str(digits);
        false
    };
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            if !chars.peek().is_some_and(char::is_ascii_digit) {
                if flush(&mut digits, &mut out, chars.peek().copied()) {
                    chars.next();
                }
                digits.clear();
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Names {
        Names::default()
    }

    #[test]
    fn id_numbers_phones_and_credit_codes_are_recognised_however_written() {
        let cases = [
            ("身份证号52010219900101123X，请核实", format!("身份证号{ID_NUMBER}，请核实")),
            ("身份证 52010219900101123x。", format!("身份证 {ID_NUMBER}。")),
            ("电话13800138000", format!("电话{PHONE}")),
            ("电话：138 0013 8000，工作日可打", format!("电话：{PHONE}，工作日可打")),
            ("打+86 138-0013-8000找我", format!("打{PHONE}找我")),
            ("信用代码91350100M000100Y43的企业", format!("信用代码{USCC}的企业")),
            ("call 13800138000 now", format!("call {PHONE} now")),
            ("手机１３８００１３８０００", format!("手机{PHONE}")),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input, &none()), expected, "{input}");
            assert!(contains_personal_data(input, &none()), "{input}");
            assert!(!contains_personal_data(&expected, &none()), "{expected}");
        }
    }

    #[test]
    fn other_long_numbers_go_but_dates_hotlines_and_item_codes_stay() {
        assert_eq!(redact("座机0851-86812345", &none()), format!("座机0851-{NUMBER}"));
        assert_eq!(redact("旧证号520102900101123", &none()), format!("旧证号{NUMBER}"));
        // A mistyped ID number (wrong check character) is still someone's.
        assert_eq!(redact("号码520102199001011231", &none()), format!("号码{NUMBER}"));
        assert_eq!(redact("号码52010219900101123A", &none()), format!("号码{NUMBER}A"));
        for kept in [
            "我于2025-10-09提交申请",
            "拨打12345或12315热线",
            "事项GY-SCJG-001承诺5个工作日",
            "受理编号GY-AMR-2026-000042",
            "2025年10月9日上午10时",
            "",
        ] {
            assert_eq!(redact(kept, &none()), kept);
            assert!(!contains_personal_data(kept, &none()), "{kept}");
        }
        // Short full-width numbers are not personal data; they come out as ASCII digits.
        assert_eq!(redact("第１２条", &none()), "第12条");
        assert!(!contains_personal_data("第１２条", &none()));
    }

    #[test]
    fn the_submitters_names_are_replaced() {
        let names = Names {
            people: vec!["李红梅".into(), "张三".into(), "王".into()],
            organisations: vec!["贵阳市示例餐饮管理有限公司".into()],
        };
        let text = "我是李红梅，贵阳市示例餐饮管理有限公司负责人，张三是我的同事，王经理知道此事。";
        assert_eq!(redact(text, &names), "我是李某，某单位负责人，张某是我的同事，王经理知道此事。");
        assert!(contains_personal_data(text, &names));
        assert!(!contains_personal_data(&redact(text, &names), &names));
    }

    #[test]
    fn email_addresses_are_removed() {
        assert_eq!(redact("邮箱 li.hm+gz@example.com.cn 联系", &none()), format!("邮箱 {EMAIL} 联系"));
        assert_eq!(redact("发至abc@qq.com。", &none()), format!("发至{EMAIL}。"));
        assert_eq!(redact("Mail abc@qq.com.", &none()), format!("Mail {EMAIL}."));
        for kept in ["@所有人", "价格@5元", "a@b"] {
            assert_eq!(redact(kept, &none()), kept);
        }
    }

    #[test]
    fn redaction_is_idempotent_and_keeps_unicode_text_intact() {
        let text = "您好！我的电话是13800138000，身份证52010219900101123X，邮箱a@b.cn，谢谢🙏";
        let once = redact(text, &none());
        assert_eq!(redact(&once, &none()), once);
        assert!(once.ends_with("谢谢🙏"));
    }
}
