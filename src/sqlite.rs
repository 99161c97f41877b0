//! SQLite files in a private directory: the profile index (`config::index`) and the catalogues'
//! local copies (`catalog::store`). Each is built in memory, serialized and written as one
//! atomic 0600 file, and opened read-only and immutable after aws-as's own checks.

use crate::private::PrivateDir;
use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};
use std::fs::File;

/// An open database file, with the file aws-as checked kept open while SQLite reads it.
pub struct Db {
    pub conn: Connection,
    _file: File,
}

/// File `name` of `dir`, opened as a database; `None` when there is none, or when it is not
/// whole (a disk error, a copy that stopped: its header still counts every page).
pub fn open(dir: &PrivateDir, name: &str, what: &str) -> Result<Option<Db>> {
    let Some((file, len)) = dir.open(name)? else {
        return Ok(None);
    };
    use std::os::fd::AsRawFd;
    // The file aws-as opened and checked, named by its descriptor (SQLite resolves that back to
    // the path, inside a directory only the user can write to). Immutable: it is never written
    // in place (a new one replaces it), so SQLite takes no locks and makes no journal.
    let uri = format!("file:/dev/fd/{}?immutable=1", file.as_raw_fd());
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("could not open {what}"))?;
    let size = (|| -> rusqlite::Result<i64> {
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(pages.saturating_mul(page_size))
    })();
    match size {
        Ok(size) if size as u64 == len => Ok(Some(Db { conn, _file: file })),
        _ => Ok(None),
    }
}

/// A new database in memory, to be filled and then `write`n.
pub fn new() -> Result<Connection> {
    let db = Connection::open_in_memory()?;
    db.execute_batch("PRAGMA journal_mode = OFF;")?;
    Ok(db)
}

/// `db` written as file `name` of `dir`, atomically.
pub fn write(dir: &PrivateDir, name: &str, db: &mut Connection) -> Result<()> {
    let bytes = db.serialize("main")?;
    dir.write(name, &bytes)
}
