//! Re-creating one backed-up document on a server, in DHIS2's order (dhis2-api.md §11): its
//! file resource with its uid where the server keeps uids, stored and checked against the
//! MD5 the backup recorded; then the document with its uid (created, or updated in place when
//! it replaces the one there); then its sharing.
use crate::api::{Client, Domain, Error, TransferOptions};
use crate::ops::outcome::Outcome;
use crate::ops::plan::{FileSource, RestoreItem};

pub(crate) async fn recreate(
    client: &Client,
    item: &RestoreItem,
    options: &TransferOptions,
) -> Outcome {
    let failed = |error: String, unlinked: Option<String>| Outcome::Failed { error, unlinked };
    let mut uploaded = None;
    let url = match &item.file {
        None => item.url.clone().unwrap_or_default(),
        Some(file) => match &file.reuse {
            Some(existing) => existing.clone(),
            None => {
                let asked = file.keep_uid.then_some(file.uid.as_str());
                let sent = match &file.source {
                    FileSource::Backup(path) => {
                        client
                            .upload_file_resource_with_uid(path, &Domain::Document, asked, options)
                            .await
                    }
                    FileSource::Server {
                        client: from,
                        resource,
                    } => {
                        from.copy_file_resource_to(
                            resource,
                            client,
                            &Domain::Document,
                            asked,
                            options,
                        )
                        .await
                    }
                };
                let resource = match sent {
                    Ok(resource) => resource,
                    Err(Error::Cancelled) => {
                        return Outcome::Cancelled {
                            unlinked: options.unlinked.get(),
                        };
                    }
                    Err(error) => return failed(error.to_string(), options.unlinked.get()),
                };
                // The bytes sent must be what the backup (or the source) recorded.
                if let Some(recorded) = &file.md5
                    && resource
                        .content_md5
                        .as_deref()
                        .is_some_and(|sent| !sent.eq_ignore_ascii_case(recorded))
                {
                    return failed(
                        format!(
                            "the bytes sent ({}) are not the file recorded (MD5 {recorded}); \
                             the server keeps them as file resource {}, linked to nothing",
                            file.source_name(),
                            resource.id
                        ),
                        Some(resource.id),
                    );
                }
                options.unlinked.set(Some(&resource.id));
                match client.stored_after_upload(&resource, options).await {
                    Ok(stored) => {
                        uploaded = Some(stored.id.clone());
                        stored.id
                    }
                    Err(error) => return failed(error.to_string(), Some(resource.id)),
                }
            }
        },
    };
    let written = match &item.replaces {
        None => {
            client
                .create_document_with_id(&item.id, &item.name, &url, item.external)
                .await
        }
        Some(_) => {
            client
                .update_document(&item.id, &item.name, &url, item.external)
                .await
        }
    };
    if let Err(error) = written {
        return failed(error.to_string(), uploaded);
    }
    options.unlinked.set(None);
    let file_resource = item.file.as_ref().map(|_| url.clone());
    let sharing_applied = match &item.sharing {
        None => false,
        Some(sharing) => match client.set_document_sharing(&item.id, sharing).await {
            Ok(()) => true,
            Err(error) => {
                return failed(
                    format!(
                        "document {} was created, but its sharing could not be applied: {error}",
                        item.id
                    ),
                    None,
                );
            }
        },
    };
    let previous_file = item
        .replaces
        .as_ref()
        .and_then(|replaced| replaced.file_resource.clone())
        .filter(|previous| *previous != url);
    Outcome::Restored {
        document: item.id.clone(),
        file_resource,
        sharing_applied,
        previous_file,
    }
}
