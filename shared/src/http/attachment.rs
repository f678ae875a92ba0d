//! `Content-Disposition` for downloads with Chinese file names.

use axum::http::HeaderValue;

/// `attachment` with an ASCII `filename` for clients that ignore RFC 5987 (curl -J) and the
/// real name in `filename*`. `ascii` must be plain ASCII without quotes.
pub fn disposition(ascii: &str, name: &str) -> HeaderValue {
    let ascii: String =
        ascii.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').filter(|c| *c != '"').collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(name)
    ))
    .expect("ASCII by construction")
}

/// RFC 5987 encoding of a UTF-8 file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_percent_encoded_and_the_fallback_stays_ascii() {
        assert_eq!(super::percent_encode("营业 执照.ofd"), "%E8%90%A5%E4%B8%9A%20%E6%89%A7%E7%85%A7.ofd");
        let header = super::disposition("form \"1\".txt", "申请书.txt");
        assert_eq!(
            header.to_str().unwrap(),
            "attachment; filename=\"form 1.txt\"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6.txt"
        );
    }
}
