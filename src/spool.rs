//! Files written whole, then sent: an upload as it arrives, an export as it
//! is read. An export is read at full speed inside one read snapshot into a
//! temporary file, and only then streamed to the client, so no pooled
//! connection waits on a slow or stalled client and every export agrees
//! with its own stamp. [`ExportGate`] caps how many are under way.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Limits;
use crate::error::AppError;
use crate::state::blocking;
use crate::tokens::random_token;

/// A temporary file, removed when this is dropped: on every exit path,
/// refusals and interrupted streams included.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(ext: &str) -> Self {
        Self(std::env::temp_dir().join(format!("localspend-{}.{ext}", &random_token()[..16])))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How many line-level exports may be under way (read, then sent) at once,
/// in all and per user.
pub struct ExportGate {
    overall: Arc<Semaphore>,
    per_user: Arc<Mutex<HashMap<i64, usize>>>,
    per_user_limit: usize,
}

/// A turn to export, given back when the download ends or is dropped.
pub struct ExportTurn {
    _overall: OwnedSemaphorePermit,
    user: i64,
    per_user: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Drop for ExportTurn {
    fn drop(&mut self) {
        let mut counts = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

impl ExportGate {
    /// At most `limits.exports` at once, and always fewer than the pool's
    /// `connections`: each export reads on a connection of its own while it
    /// is prepared, and sign-in and pages must still find one.
    pub fn new(limits: &Limits, connections: u32) -> Self {
        let overall = limits
            .exports
            .min(connections.saturating_sub(1) as usize)
            .max(1);
        Self {
            overall: Arc::new(Semaphore::new(overall)),
            per_user: Arc::default(),
            per_user_limit: limits.exports_per_user,
        }
    }

    /// A turn for `user`, or `Busy` at once when none is free: a download
    /// is not queued behind others.
    pub fn turn(&self, user: i64) -> Result<ExportTurn, AppError> {
        let mut counts = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        let mine = counts.entry(user).or_insert(0);
        if *mine >= self.per_user_limit {
            return Err(AppError::Busy(format!(
                "You already have {} exports under way. Wait for one to finish, then try again.",
                self.per_user_limit
            )));
        }
        let overall = self.overall.clone().try_acquire_owned().map_err(|_| {
            AppError::Busy("Other exports are being prepared. Try again in a minute.".into())
        })?;
        *mine += 1;
        Ok(ExportTurn {
            _overall: overall,
            user,
            per_user: self.per_user.clone(),
        })
    }
}

/// Sends a written file in chunks, read off the executor; the file is
/// removed and the turn given back when the stream ends or is dropped.
pub fn send_file(
    file: TempFile,
    turn: ExportTurn,
) -> Result<impl Stream<Item = Result<Bytes, AppError>>, AppError> {
    const CHUNK: usize = 256 * 1024;
    let reader = std::fs::File::open(file.path()).map_err(AppError::internal)?;
    let state = Some((reader, file, turn));
    Ok(futures_util::stream::unfold(state, |state| async move {
        let (mut reader, file, turn) = state?;
        let read = blocking(move || {
            let mut buf = vec![0; CHUNK];
            let n = reader.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, reader))
        })
        .await;
        match read {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, reader))) => Some((Ok(Bytes::from(buf)), Some((reader, file, turn)))),
            Ok(Err(e)) => Some((Err(AppError::internal(e)), None)),
            Err(e) => Some((Err(e), None)),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_is_removed_when_it_is_dropped() {
        let file = TempFile::new("csv");
        std::fs::write(file.path(), b"Date,Supplier,Amount\n").unwrap();
        let path = file.path().to_owned();
        assert!(path.exists());
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn exports_are_capped_per_user_and_overall() {
        let gate = ExportGate::new(
            &Limits {
                exports: 3,
                exports_per_user: 2,
                ..Limits::default()
            },
            10,
        );
        let a1 = gate.turn(1).unwrap();
        let _a2 = gate.turn(1).unwrap();
        assert!(matches!(gate.turn(1), Err(AppError::Busy(_))), "two each");
        let _b1 = gate.turn(2).unwrap();
        assert!(
            matches!(gate.turn(3), Err(AppError::Busy(_))),
            "three in all"
        );
        drop(a1);
        assert!(gate.turn(3).is_ok(), "a finished export frees its turn");
        let small_pool = ExportGate::new(&Limits::default(), 3);
        let _one = small_pool.turn(1).unwrap();
        let _two = small_pool.turn(2).unwrap();
        assert!(small_pool.turn(3).is_err(), "one connection is always left");
    }
}
