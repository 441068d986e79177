//! What `documents list` and `resources list` share: the query their flags make, `--all` and
//! how it ends, and the page summary on stderr.
use anyhow::bail;
use serde_json::json;

use crate::api::{AllPages, Client, Cut, ListQuery, Page};
use crate::cli::args::ListArgs;
use crate::cli::output::note;

/// Where `--all` stops without `--max-items`: 100,000 documents are 30 to 100 MiB of JSON and
/// several times that in memory, more than DHIS2 instances hold; past it a list is better
/// filtered than printed.
pub const MAX_ALL_ITEMS: usize = 100_000;

/// Builds a list query from the command line; the api validates it before anything is sent.
pub fn list_query(args: &ListArgs) -> anyhow::Result<ListQuery> {
    let mut query = ListQuery::new().page(args.page).page_size(args.page_size);
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    for order in &args.order {
        query = query.order_by(crate::api::Order::parse(order)?);
    }
    Ok(query)
}

/// Says on stderr when the server will not keep the priority of several `--order`s (DHIS2 up
/// to 2.41, `Client::order_caveat`).
pub async fn note_order_caveat(client: &Client, query: &ListQuery) {
    if let Some(caveat) = client.order_caveat(query).await {
        note(format!("note: {caveat}"));
    }
}

/// The item limit of `--all`: the user's `--max-items`, else [`MAX_ALL_ITEMS`].
pub fn all_limit(args: &ListArgs) -> usize {
    args.max_items
        .map_or(MAX_ALL_ITEMS, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// What `--all` gathered, beside the items.
pub struct Gathered {
    total: Option<u64>,
    fetched: usize,
    pages: u32,
    cut: Option<Cut>,
}

impl Gathered {
    pub fn of<T>(all: &AllPages<T>) -> Gathered {
        Gathered {
            total: all.total,
            fetched: all.items.len(),
            pages: all.pages,
            cut: all.cut,
        }
    }

    /// The `"pager"` of `--all --json`: `{"total", "fetched", "pages", "complete", "cut"}`.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "total": self.total,
            "fetched": self.fetched,
            "pages": self.pages,
            "complete": self.cut.is_none(),
            "cut": self.cut.map(|cut| cut.code()),
        })
    }

    /// A cut list is never silent: a note when the user's `--max-items` made it, else an error
    /// (non-zero exit) after the items were printed.
    pub fn check(gathered: Option<Gathered>, args: &ListArgs, noun: &str) -> anyhow::Result<()> {
        match gathered.and_then(|gathered| gathered.cut) {
            None => Ok(()),
            Some(cut @ Cut::MaxItems(_)) if args.max_items.is_some() => {
                note(format!("note: {cut} (--max-items)"));
                Ok(())
            }
            Some(cut @ Cut::MaxItems(_)) => bail!(
                "the {noun} list is incomplete: {cut}; narrow it with --filter, or pass \
                 --max-items N to accept the first N"
            ),
            Some(cut) => bail!("the {noun} list is incomplete: {cut}"),
        }
    }
}

/// "page 2/12, 583 documents" on stderr, so stdout stays just the table.
pub fn print_page_summary<T>(page: &Page<T>, noun: &str) {
    match &page.pager {
        Some(pager) => note(format!(
            "page {}/{}, {} {noun}{}",
            pager.page,
            pager.page_count.max(1),
            pager.total,
            if pager.total == 1 { "" } else { "s" }
        )),
        None => note(format!(
            "{} {noun}{}",
            page.items.len(),
            if page.items.len() == 1 { "" } else { "s" }
        )),
    }
}
