//! Caller numbers are personal data. The store keeps a keyed hash (to match repeat callers)
//! and a masked form (to show); the full number is never written anywhere by this program.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret that makes caller keys unguessable: without it, hashing every possible
/// 11-digit number would reverse a plain hash in minutes.
#[derive(Clone)]
pub struct CallerKeyer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for CallerKeyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallerKeyer(<redacted>)")
    }
}

impl CallerKeyer {
    pub fn new(secret: &[u8]) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
        CallerKeyer { mac }
    }

    /// A fingerprint of the secret, safe to keep beside the data: it tells two secrets apart
    /// and reveals neither (the HMAC of a fixed label that is no number, 128 bits, hex).
    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"commandwall caller-key fingerprint v1");
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// A stable 128-bit key for a number, hex encoded. Formatting differences
    /// (`+86 138-0000-1234` vs `13800001234`) give the same key.
    pub fn key(&self, number: &str) -> Option<String> {
        let digits = normalize(number)?;
        let mut mac = self.mac.clone();
        mac.update(digits.as_bytes());
        let out = mac.finalize().into_bytes();
        Some(hex::encode(&out[..16]))
    }
}

/// The digits of a number without the +86 country prefix; `None` if it holds no digits.
pub fn normalize(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if digits.len() == 13 => rest.to_string(),
        _ => digits,
    };
    (!digits.is_empty()).then_some(digits)
}

/// `13800001234` → `138****1234`. Short numbers keep only their last two digits, so that
/// nothing shorter than a mobile number is shown nearly whole.
pub fn mask(number: &str) -> Option<String> {
    let d = normalize(number)?;
    let n = d.len();
    Some(if n >= 8 {
        format!("{}****{}", &d[..3], &d[n - 4..])
    } else if n > 2 {
        format!("{}{}", "*".repeat(n - 2), &d[n - 2..])
    } else {
        "*".repeat(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_wall_shows_them() {
        let cases = [
            ("13800001234", "138****1234"),
            ("+86 138-0000-1234", "138****1234"),
            ("0470-8251234", "047****1234"),
            ("12345", "***45"),
            ("110", "*10"),
        ];
        for (input, want) in cases {
            assert_eq!(mask(input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(mask("unknown"), None);
    }

    #[test]
    fn keys_match_formats_and_depend_on_the_secret() {
        let a = CallerKeyer::new(b"centre-a");
        let b = CallerKeyer::new(b"centre-b");
        assert_eq!(a.key("13800001234"), a.key("+86 138 0000 1234"));
        assert_ne!(a.key("13800001234"), a.key("13800001235"));
        assert_ne!(a.key("13800001234"), b.key("13800001234"));
        assert_eq!(a.key("13800001234").unwrap().len(), 32);
        assert!(!format!("{a:?}").contains("centre"));
    }

    #[test]
    fn fingerprints_tell_secrets_apart_and_are_no_callers_key() {
        let a = CallerKeyer::new(b"centre-a");
        assert_eq!(a.fingerprint(), CallerKeyer::new(b"centre-a").fingerprint());
        assert_ne!(a.fingerprint(), CallerKeyer::new(b"centre-b").fingerprint());
        assert_eq!(a.fingerprint().len(), 32);
        assert_ne!(
            Some(a.fingerprint()),
            a.key("commandwall caller-key fingerprint v1")
        );
    }
}
