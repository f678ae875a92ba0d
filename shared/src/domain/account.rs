//! Accounts and roles (§4.2.1), and the password policy.

use serde::{Deserialize, Serialize};

/// What a token lets its holder do. Staff roles are scoped to a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Clerk,
    Reviewer,
    Supervisor,
    Admin,
}

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }
}

/// The user category of §4.2.1 a.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Individual,
    Enterprise,
    Staff,
}

/// The login identifiers a user can be found by; each is a unique claim in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginKind {
    IdNumber,
    Uscc,
    Phone,
    StaffName,
}

impl LoginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginKind::IdNumber => "id",
            LoginKind::Uscc => "uscc",
            LoginKind::Phone => "phone",
            LoginKind::StaffName => "staff",
        }
    }
}

/// A password that meets the policy: 8–64 characters, letters and digits both present, not a
/// well-known password, not containing the account's own identifier.
pub struct NewPassword(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be 8-64 characters")]
    Length,
    #[error("password must contain letters and digits")]
    Classes,
    #[error("password is too common or contains the account identifier")]
    Guessable,
}

impl PasswordError {
    pub fn message_zh(self) -> &'static str {
        match self {
            PasswordError::Length => "密码长度须为 8 至 64 位",
            PasswordError::Classes => "密码须同时包含字母和数字",
            PasswordError::Guessable => "密码过于简单或包含证件号码、手机号码，请更换",
        }
    }
}

const COMMON: &[&str] = &[
    "password1",
    "password123",
    "passw0rd",
    "qwerty123",
    "abc12345",
    "abcd1234",
    "a1234567",
    "12345678a",
    "1qaz2wsx",
    "qwe123456",
    "admin123",
    "woaini1314",
    "aa123456",
    "a123456789",
    "iloveyou1",
];

impl NewPassword {
    pub fn parse(password: &str, identifiers: &[&str]) -> Result<Self, PasswordError> {
        let chars = password.chars().count();
        if !(8..=64).contains(&chars) {
            return Err(PasswordError::Length);
        }
        let letters = password.chars().any(|c| c.is_alphabetic());
        let digits = password.chars().any(|c| c.is_ascii_digit());
        if !(letters && digits) {
            return Err(PasswordError::Classes);
        }
        let lower = password.to_lowercase();
        let contains_identifier =
            identifiers.iter().filter(|id| id.len() >= 6).any(|id| lower.contains(&id.to_lowercase()));
        if COMMON.contains(&lower.as_str()) || contains_identifier {
            return Err(PasswordError::Guessable);
        }
        Ok(Self(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("Gzwb2026go", &[]).is_ok());
        assert!(NewPassword::parse("贵州办事2026", &[]).is_ok(), "Chinese letters count as letters");
        assert_eq!(NewPassword::parse("short1", &[]).err(), Some(PasswordError::Length));
        assert_eq!(NewPassword::parse("onlyletters", &[]).err(), Some(PasswordError::Classes));
        assert_eq!(NewPassword::parse("1234567890", &[]).err(), Some(PasswordError::Classes));
        assert_eq!(NewPassword::parse("Password1", &[]).err(), Some(PasswordError::Guessable));
        assert_eq!(
            NewPassword::parse("x13800138000", &["13800138000"]).err(),
            Some(PasswordError::Guessable)
        );
        assert_eq!(NewPassword::parse(&"a1".repeat(33), &[]).err(), Some(PasswordError::Length));
    }
}
