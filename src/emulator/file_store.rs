//! What a server's file store (DHIS2's `FileResourceContentStore`) and its `fileresource` rows
//! can lose behind the API's back: damage no request can make, for the tests of an integrity
//! check (dhis2-api.md §3.7, §4.3, §4.6). The API then answers as DHIS2 does:
//!
//! | damage | plain `GET /api/fileResources/{uid}` | list, `fields` (2.41+) | `/data` (file resource and document) |
//! |---|---|---|---|
//! | [`LostBytes::Gone`] | `storageStatus` PENDING | NONE, as always | 500, empty body, the file's `Content-Type` |
//! | [`LostBytes::Empty`] | STORED | NONE | 200, `Content-Length: 0`, no body |
//! | [`LostBytes::Unreadable`] | STORED | NONE | 500 WebMessage, the store's IOException in the release's words |
//! | [`remove_file_resource`] | 404 | not listed | document: the legacy path's 500 |
//!
//! The row's `contentLength` and `contentMd5` stay as they were in every case.

use super::state::AppState;

/// How a stored file resource's bytes were lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostBytes {
    /// The blob is no longer in the store (a file store restored from an older copy, a bucket
    /// emptied): `checkStorageStatus` finds nothing, so the plain read says PENDING, and
    /// `copyContent`'s `NoSuchElementException` makes `/data` a 500 whose body does not render.
    Gone,
    /// The store holds an empty blob under the key (a disk that filled up, a truncated copy):
    /// the status check finds it, so the read says STORED, and `/data` sends its 0 bytes.
    Empty,
    /// The store says it has the blob but fails to hand it over (a storage backend's
    /// IOException): the read says STORED, and `/data` is DHIS2's 500 WebMessage, "Failed
    /// fetching the file from storage" (2.43: "Failed to fetch file resource from storage",
    /// §3.7, §13.2).
    Unreadable,
}

/// Damages the bytes of file resource `uid` as `how` says; `Ok(false)` when there is no such
/// file resource. Works on a PENDING one too (it then stays PENDING, or stores nothing).
pub fn lose_bytes(state: &AppState, uid: &str, how: LostBytes) -> std::io::Result<bool> {
    let mut db = state.db();
    let Some(fr) = db.file_resources.get_mut(uid) else {
        return Ok(false);
    };
    match how {
        LostBytes::Gone => {
            fr.blob_gone = true;
            // The flag is what the handlers read; the file goes as well, so nothing can serve it.
            match std::fs::remove_file(&fr.blob) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        LostBytes::Empty => {
            fr.blob_gone = false;
            std::fs::File::create(&fr.blob)?;
        }
        LostBytes::Unreadable => {
            fr.blob_gone = false;
            // The row now names a file the store cannot open.
            let _ = std::fs::remove_file(&fr.blob);
            fr.blob.set_extension("unreadable");
        }
    }
    Ok(true)
}

/// Deletes the row of file resource `uid`, as a database copied without its `fileresource`
/// rows (or a cleanup run gone wrong) leaves it: the file resource reads 404 and is not listed,
/// and a document pointing at it has no linked file resource, so its `/data` takes DHIS2's
/// legacy file-system path and answers 500 (§3.7). The document itself is untouched, and the
/// blob stays in the store, where nothing reaches it. `false` when there is no such file
/// resource.
pub fn remove_file_resource(state: &AppState, uid: &str) -> bool {
    state.db().file_resources.remove(uid).is_some()
}
