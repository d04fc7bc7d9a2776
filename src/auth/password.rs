//! Password hashing with argon2id at the OWASP minimum parameters
//! (19 MiB memory, 2 iterations, 1 lane). Callers run these functions off the
//! async executor: each takes tens of milliseconds on purpose. The web layer
//! calls [`hash_gated`] and [`verify_gated`], which also wait their turn behind
//! a semaphore sized to the cores: each hash holds 19 MiB while it runs, so
//! sixty concurrent sign-ins would otherwise hold over a gigabyte.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;
use crate::state::blocking;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string that records its own parameters.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// True if `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same effort as a real check when there is no account to check
/// against, so response times do not reveal which usernames exist.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("no account has this password").expect("hashing works"));
    let _ = verify(password, dummy);
}

/// How many hashes may run at once: one per core.
fn gate() -> &'static tokio::sync::Semaphore {
    static GATE: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs `f` on the blocking pool once the semaphore gives it a turn.
async fn gated<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _turn = gate().acquire().await.map_err(AppError::internal)?;
    blocking(f).await
}

/// [`hash`], off the executor and behind the semaphore.
pub async fn hash_gated(password: String) -> Result<String, AppError> {
    gated(move || hash(&password))
        .await?
        .map_err(AppError::internal)
}

/// [`verify`] against a stored hash, or [`verify_against_nothing`] when there
/// is none, off the executor and behind the semaphore.
pub async fn verify_gated(password: String, phc: Option<String>) -> Result<bool, AppError> {
    gated(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_against_nothing(&password);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_at_owasp_parameters_and_verifies() {
        let h = hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("Correct horse battery staple", &h));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(
            h,
            hash("correct horse battery staple").unwrap(),
            "salts differ"
        );
    }

    #[test]
    fn no_more_hashes_run_at_once_than_there_are_cores() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        actix_web::rt::System::new().block_on(async {
            let calls = (0..cores * 4).map(|_| {
                let (running, most) = (running.clone(), most.clone());
                gated(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            });
            for done in futures_util::future::join_all(calls).await {
                done.unwrap();
            }
        });
        let most = most.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= cores,
            "{most} ran at once on {cores} cores"
        );
    }
}
