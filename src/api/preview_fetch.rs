//! The first bytes of a file resource, for a preview. DHIS2 serves no ranges, so the body is
//! read up to a cap and the answer dropped there, which closes its connection.
use crate::api::client::Client;
use crate::api::error::Result;
use crate::api::file_resources::check_downloadable;
use crate::api::model::{Dimension, FileResource};

/// What a preview read got of a file.
#[derive(Clone, Debug)]
pub struct FilePrefix {
    pub bytes: Vec<u8>,
    /// More bytes followed the cap.
    pub cut: bool,
}

impl Client {
    /// At most `cap` bytes of `resource`'s `/data`, asking for the `dimension` variant where
    /// the server keeps one (an image in an avatar or org unit domain, dhis2-api.md §4.6), so
    /// fewer bytes travel. Nothing is written anywhere; per-read timeouts still apply.
    pub async fn read_file_prefix(
        &self,
        resource: &FileResource,
        cap: usize,
        dimension: Dimension,
    ) -> Result<FilePrefix> {
        check_downloadable(resource)?;
        let variant = resource.has_image_variants().then_some(dimension);
        let mut response = self.request_data(resource, variant).await?;
        let mut bytes = Vec::with_capacity(cap.min(64 * 1024));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.redacted(crate::api::Error::from_reqwest(e)))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > cap {
                bytes.truncate(cap);
                return Ok(FilePrefix { bytes, cut: true });
            }
        }
        Ok(FilePrefix { bytes, cut: false })
    }
}
