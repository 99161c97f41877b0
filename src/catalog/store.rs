//! The local copy of each catalogue: `<data dir>/catalogs/<NAME>.db`, one SQLite file written
//! whole by `catalog sync` (0600, atomically, in a 0700 directory aws-as owns) and read one
//! identity at a time, so a switch costs the same with ten entries or 100,000.

use super::{Entry, SourceKind};
use crate::env::Env;
use crate::private::{PrivateDir, Purpose};
use anyhow::{Context, Result};
use rusqlite::OptionalExtension;

pub const PURPOSE: Purpose = Purpose {
    what: "the catalogue directory",
    moved_by: "XDG_DATA_HOME",
};

/// The directory of the local copies, `None` when it does not exist yet.
pub fn dir(env: &Env) -> Result<Option<PrivateDir>> {
    PrivateDir::existing(&path(env)?, PURPOSE)
}

fn path(env: &Env) -> Result<std::path::PathBuf> {
    Ok(crate::keys::data_dir(env)?.join("catalogs"))
}

/// The directory of the local copies, made (0700) when it does not exist.
pub fn create_dir(env: &Env) -> Result<PrivateDir> {
    PrivateDir::create(&path(env)?, PURPOSE)
}

pub fn file_name(catalog: &str) -> String {
    format!("{catalog}.db")
}

/// One catalogue's local copy, open.
pub struct Copy {
    db: crate::sqlite::Db,
    pub source: Option<SourceKind>,
    /// When it was synced (seconds since the epoch).
    pub synced: i64,
    /// An SSO catalogue's session: its start URL and region.
    pub sso: Option<(String, String)>,
}

const COLUMNS: &str = "name, account, description, regions, roles";

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = row.get(i)?;
        Ok(text
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    };
    Ok(Entry {
        name: row.get(0)?,
        account: row.get(1)?,
        description: row.get(2)?,
        regions: list(3)?,
        roles: list(4)?,
    })
}

impl Copy {
    /// The local copy of `catalog`, `None` when it has never been synced.
    pub fn open(dir: &PrivateDir, catalog: &str) -> Result<Option<Copy>> {
        let what = format!("the local copy of catalogue `{catalog}`");
        let Some(db) = crate::sqlite::open(dir, &file_name(catalog), &what)? else {
            return Ok(None);
        };
        let meta = |key: &str| -> Result<Option<String>> {
            db.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .with_context(|| {
                    format!("could not read {what}; run `aws-as catalog sync {catalog}`")
                })
        };
        let source = meta("source")?.as_deref().and_then(super::kind_named);
        let synced = meta("synced")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let sso = match (meta("sso_start_url")?, meta("sso_region")?) {
            (Some(url), Some(region)) => Some((url, region)),
            _ => None,
        };
        Ok(Some(Copy {
            db,
            source,
            synced,
            sso,
        }))
    }

    /// Identity `name`, `None` when the catalogue has none.
    pub fn get(&self, name: &str) -> Result<Option<Entry>> {
        Ok(self
            .db
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM identities WHERE name = ?1"))?
            .query_row([name], entry)
            .optional()?)
    }

    /// Every identity, in name order.
    pub fn each(&self, mut each: impl FnMut(Entry) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .db
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM identities ORDER BY name"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(entry(row)?)?;
        }
        Ok(())
    }

    /// The identity names that start with `prefix`, sorted.
    pub fn names(&self, prefix: &str) -> Result<Vec<String>> {
        let mut stmt = self.db.conn.prepare(
            "SELECT name FROM identities WHERE name >= ?1 AND name < ?1 || char(1114111) ORDER BY name",
        )?;
        let names = stmt
            .query_map([prefix], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }

    /// Every identity name, sorted.
    pub fn all_names(&self) -> Result<Vec<String>> {
        self.names("")
    }
}

/// Write `entries` (checked, names unique) as the local copy of `catalog`, replacing the
/// previous one in one step.
pub fn write(
    dir: &PrivateDir,
    catalog: &str,
    source: SourceKind,
    synced: i64,
    entries: &[Entry],
    sso: Option<&(String, String)>,
) -> Result<()> {
    let mut db = crate::sqlite::new()?;
    db.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE identities (name TEXT PRIMARY KEY, account TEXT, description TEXT,
                                  regions TEXT NOT NULL, roles TEXT NOT NULL) WITHOUT ROWID;",
    )?;
    let tx = db.transaction()?;
    {
        let mut sorted: Vec<&Entry> = entries.iter().collect();
        sorted.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        let mut insert = tx.prepare("INSERT INTO identities VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for e in sorted {
            insert.execute(rusqlite::params![
                e.name,
                e.account,
                e.description,
                e.regions.join("\n"),
                e.roles.join("\n")
            ])?;
        }
        tx.execute("INSERT INTO meta VALUES ('source', ?1)", [source.name()])?;
        tx.execute(
            "INSERT INTO meta VALUES ('synced', ?1)",
            [synced.to_string()],
        )?;
        if let Some((url, region)) = sso {
            tx.execute("INSERT INTO meta VALUES ('sso_start_url', ?1)", [url])?;
            tx.execute("INSERT INTO meta VALUES ('sso_region', ?1)", [region])?;
        }
    }
    tx.commit()?;
    crate::sqlite::write(dir, &file_name(catalog), &mut db)
        .with_context(|| format!("could not write the local copy of catalogue `{catalog}`"))
}
