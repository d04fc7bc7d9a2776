//! Authentication and request security: password hashing, sessions, CSRF
//! tokens, signed flash messages and role checks.

pub mod csrf;
pub mod password;
mod policy;
pub mod session;

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use csrf::{CsrfForm, PageContext};
pub use session::CurrentUser;

/// The server's secret, used to derive CSRF tokens and sign flash cookies.
#[derive(Clone)]
pub struct Keys {
    secret: Arc<[u8]>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    fn mac(&self, purpose: &str, data: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data.as_bytes());
        mac
    }

    /// A hex signature of `data` for one purpose; signatures for one purpose
    /// are useless for another.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        hex::encode(self.mac(purpose, data).finalize().into_bytes())
    }

    /// Checks a signature in constant time.
    pub fn verify(&self, purpose: &str, data: &str, signature_hex: &str) -> bool {
        match hex::decode(signature_hex) {
            Ok(sig) => self.mac(purpose, data).verify_slice(&sig).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_purpose_data_and_key() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let sig = keys.sign("csrf", "session-a");
        assert!(keys.verify("csrf", "session-a", &sig));
        assert!(!keys.verify("csrf", "session-b", &sig));
        assert!(!keys.verify("flash", "session-a", &sig));
        assert!(!keys.verify("csrf", "session-a", "not hex"));
        let other = Keys::new(b"another key entirely, 32 bytes!!");
        assert!(!other.verify("csrf", "session-a", &sig));
    }
}
