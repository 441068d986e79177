//! Reading what a batch needs to know about its documents, in as few requests as the server
//! allows.
use std::collections::HashMap;

use futures_util::{StreamExt, stream};

use crate::api::{Client, Document, Error, FileResource, Result, is_valid_uid};

/// The file resources behind these documents: a hundred per request where the server lists
/// them (2.41+), else one request each, a few at a time.
pub(crate) async fn file_resources_of<'a>(
    client: &Client,
    documents: impl Iterator<Item = &'a Document>,
    jobs: usize,
) -> Result<HashMap<String, FileResource>> {
    let wanted: Vec<String> = documents
        .filter(|document| !document.external)
        .filter_map(|document| document.file_resource_uid().map(str::to_string))
        .collect();
    let mut read: HashMap<String, FileResource> =
        match client.file_resources_by_id(&wanted).await {
            Ok(found) => found,
            // Before 2.41 there is no list: every one is read on its own, below.
            Err(Error::NotAvailable { .. }) => Vec::new(),
            Err(error) => return Err(error),
        }
        .into_iter()
        .map(|resource| (resource.id.clone(), resource))
        .collect();
    // What the list did not bring (no list, or a server that ignores the filter), one by one;
    // known by the uid asked for, whatever `id` the answer names.
    let missing: Vec<String> = wanted
        .into_iter()
        .filter(|uid| is_valid_uid(uid) && !read.contains_key(uid))
        .collect();
    // Owned uids and plain futures: a closure over borrowed ones makes a future that is not
    // `Send` for every lifetime (a rustc limitation), and the TUI spawns these reads.
    let one_by_one: Vec<(String, FileResource)> = stream::iter(missing)
        .map(|uid| async move {
            let resource = client.get_file_resource(&uid).await.ok()?;
            let resource = FileResource {
                id: uid.clone(),
                ..resource
            };
            Some((uid, resource))
        })
        .buffer_unordered(jobs.max(1))
        .filter_map(std::future::ready)
        .collect()
        .await;
    read.extend(one_by_one);
    Ok(read)
}

/// The documents with these uids, or why each cannot be read: a hundred per request, then one
/// request for each the list did not bring (a server that ignores the filter, a document not
/// shared), so a refusal is in DHIS2's words. Strings that are not uids are left out.
pub(crate) async fn documents_of(
    client: &Client,
    uids: &[String],
    jobs: usize,
) -> Result<HashMap<String, std::result::Result<Document, String>>> {
    let mut read: HashMap<String, std::result::Result<Document, String>> = client
        .documents_by_id(uids)
        .await?
        .into_iter()
        .map(|document| (document.id.clone(), Ok(document)))
        .collect();
    let missing: Vec<String> = uids
        .iter()
        .filter(|uid| is_valid_uid(uid) && !read.contains_key(*uid))
        .cloned()
        .collect();
    // Owned uids and plain futures, as above.
    let one_by_one: Vec<(String, std::result::Result<Document, String>)> = stream::iter(missing)
        .map(|uid| async move {
            let answer = client.get_document(&uid).await;
            // Known by the uid asked for: the `id` a server answers with is its text.
            let answer = answer
                .map(|document| Document {
                    id: uid.clone(),
                    ..document
                })
                .map_err(|error| error.to_string());
            (uid, answer)
        })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    read.extend(one_by_one);
    Ok(read)
}

/// The uids in their order, each once.
pub(crate) fn once_each(uids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    uids.iter()
        .filter(|uid| seen.insert(uid.as_str()))
        .cloned()
        .collect()
}

/// What a plan has of `uid` among documents [`documents_of`] read: the document, or why there
/// is none, in words for the step.
pub(crate) fn document_or_why<'a>(
    read: &'a HashMap<String, std::result::Result<Document, String>>,
    uid: &str,
) -> std::result::Result<&'a Document, String> {
    if !is_valid_uid(uid) {
        return Err(format!(
            "{uid} is not a uid (11 letters and digits, starting with a letter)"
        ));
    }
    match read.get(uid) {
        Some(Ok(document)) => Ok(document),
        Some(Err(why)) => Err(why.clone()),
        None => Err(format!("document {uid} could not be read")),
    }
}
