//! "All that match": the documents of a server filter, paged in without filling a list.
use crate::api::{AllPages, Client, Document, ListQuery, MAX_PAGE_SIZE, Result};

/// The most documents one selection takes: well above what an operator cleans up at once, and
/// a bound on the requests a wrong filter (`name:ilike:a`) can cost.
pub const MAX_SELECTED: usize = 50_000;

/// Fields a selection needs: a uid to act on and a name to show.
const SELECTED_FIELDS: &str = "id,name,displayName,url,external";

/// Every document matching `query`'s filters (its order kept, its page ignored), with only
/// the fields a batch needs, in the largest pages the server serves.
pub async fn matching_documents(client: &Client, query: &ListQuery) -> Result<AllPages<Document>> {
    let mut query = query.clone();
    query.page = 1;
    query.page_size = MAX_PAGE_SIZE;
    query.fields = Some(SELECTED_FIELDS.into());
    client.list_all_documents(&query, MAX_SELECTED).await
}
