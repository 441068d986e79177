//! DHIS2 lists: one page with its pager, the rules for where a list ends, and every page of a
//! query, trusting the pager only as far as the items it brings.
use std::collections::HashSet;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::client::{Client, is_valid_uid};
use crate::api::error::{Error, Result};
use crate::api::model::{Document, FileResource, Page, Pager};
use crate::api::query::{Filter, ListQuery, Operator};
use crate::api::version::{Feature, ServerVersion};

/// What a list holds: objects known by their uid.
pub(crate) trait Listed {
    fn uid(&self) -> &str;
}

impl Listed for Document {
    fn uid(&self) -> &str {
        &self.id
    }
}

impl Listed for FileResource {
    fn uid(&self) -> &str {
        &self.id
    }
}

/// Every page of a query, as far as it could be gathered.
#[derive(Clone, Debug, PartialEq)]
pub struct AllPages<T> {
    /// Each object once (the first time it came), in the server's order.
    pub items: Vec<T>,
    /// The server's `total` on its first page, when it sent a pager.
    pub total: Option<u64>,
    /// Pages requested.
    pub pages: u32,
    /// Why gathering stopped before the server said it was done; `None` when complete.
    pub cut: Option<Cut>,
}

/// Why [`AllPages`] is incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The item limit was reached while the server still had more.
    MaxItems(usize),
    /// This page brought mostly objects already seen: the server does not page (it ignores
    /// `page`, or shifts by less than a page), so asking further would only repeat them.
    RepeatedPage(u32),
}

impl Cut {
    /// A stable name for scripts (`"cut"` in `--json`).
    pub fn code(&self) -> &'static str {
        match self {
            Cut::MaxItems(_) => "max-items",
            Cut::RepeatedPage(_) => "repeated-page",
        }
    }
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cut::MaxItems(limit) => write!(f, "stopped at {limit} items while the server has more"),
            Cut::RepeatedPage(page) => write!(
                f,
                "the server answered page {page} with items it had already sent (it does not \
                 page), so the list stops there"
            ),
        }
    }
}

impl Pager {
    /// Whether a page after `asked` exists: the server offers a `nextPage` and `asked` (the
    /// page requested, not the page the server says it sent) is short of `pageCount`, so a
    /// server that ignores `page` cannot keep a reader on the same page for ever.
    pub fn continues_after(&self, asked: u32) -> bool {
        self.next_page.is_some() && (self.page_count == 0 || asked < self.page_count)
    }
}

impl<T> Page<T> {
    /// Whether a later page exists (the server omits `nextPage` on the last one).
    pub fn has_next(&self) -> bool {
        self.pager.as_ref().is_some_and(|p| p.next_page.is_some())
    }

    /// Refuses an answer to a page after the last ([`Error::PagePastEnd`]): DHIS2 clamps the
    /// page it reports, so page 99 of 3 comes back empty as "page 3". Where nothing matches
    /// (`pageCount` 0), page 1 is the only page; a pager with a `total` but no `pageCount`
    /// says nothing about the end, so it passes.
    pub fn check_page_exists(&self, asked: u32) -> Result<(), Error> {
        let Some(pager) = &self.pager else {
            return Ok(());
        };
        let last = match (pager.page_count, pager.total) {
            (0, 0) => 1,
            (0, _) => return Ok(()),
            (count, _) => count,
        };
        if asked <= last {
            return Ok(());
        }
        Err(Error::PagePastEnd {
            asked,
            page_count: pager.page_count,
            page_size: pager.page_size,
            total: pager.total,
        })
    }
}

impl Client {
    /// A caveat for a query with several orders where the server does not keep their
    /// priority (DHIS2 up to 2.41, whose set of orders decides, dhis2-api.md §12.4): one line
    /// to tell the user, or `None`. The server is asked its version only for two orders or
    /// more; a version that cannot be read gives no caveat.
    pub async fn order_caveat(&self, query: &ListQuery) -> Option<String> {
        if query.order.len() < 2 {
            return None;
        }
        let info = self.system_info().await.ok()?;
        let version = ServerVersion::parse(info.version.as_deref()?)?;
        (!version.supports(Feature::OrderPriority)).then(|| {
            format!(
                "DHIS2 {version} does not keep the priority between several orders (2.42 does): \
                 the list may be sorted by them in another priority than {}",
                query
                    .order
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// Reads one page of a DHIS2 list, whose items sit under `key` beside the pager.
pub(crate) async fn list_page<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    key: &str,
    query: &ListQuery,
    default_fields: &str,
) -> Result<Page<T>> {
    query.validate()?;
    let mut body: Value = client
        .get_json(path, &query.to_pairs(default_fields))
        .await?;
    // serde's messages quote the values they could not read.
    let decode = |detail: String| {
        client.redacted(Error::Decode {
            what: path.to_string(),
            detail,
        })
    };
    let items = match body.get_mut(key).map(Value::take) {
        Some(items) => serde_json::from_value(items).map_err(|e| decode(e.to_string()))?,
        None => return Err(decode(format!("the answer has no `{key}` list"))),
    };
    // DHIS2 leaves the pager out with paging=false; some proxies and versions write null.
    let pager: Option<Pager> = match body.get_mut("pager").map(Value::take) {
        Some(Value::Null) | None => None,
        Some(pager) => Some(serde_json::from_value(pager).map_err(|e| decode(e.to_string()))?),
    };
    Ok(Page { items, pager })
}

/// Uids per `id:in:[…]` request: the query string stays short of any server's URL limit.
const UIDS_PER_REQUEST: usize = 100;

/// Objects asked for by uid, a hundred per request with `id:in:[…]`: the queries to send, and
/// what their answers bring. Unknown uids are simply absent, strings that are not uids are
/// never sent, and a server that ignores the filter adds nothing: only what was asked for is
/// kept, once. (A loop in each caller rather than a closure: an async closure's future is not
/// `Send`, and the TUI spawns these reads.)
pub(crate) struct ById<T> {
    batches: Vec<Vec<String>>,
    kept: HashSet<String>,
    found: Vec<T>,
}

impl<T: Listed> ById<T> {
    pub(crate) fn new(uids: &[String]) -> ById<T> {
        let valid: Vec<String> = uids
            .iter()
            .filter(|uid| is_valid_uid(uid))
            .cloned()
            .collect();
        ById {
            batches: valid
                .chunks(UIDS_PER_REQUEST)
                .map(<[String]>::to_vec)
                .collect(),
            kept: HashSet::new(),
            found: Vec::with_capacity(valid.len()),
        }
    }

    /// The query for each batch, by index.
    pub(crate) fn queries(&self) -> Result<Vec<ListQuery>> {
        self.batches
            .iter()
            .map(|batch| {
                let ids = format!("[{}]", batch.join(","));
                Ok(ListQuery::new()
                    .filter(Filter::new("id", Operator::In, Some(&ids))?)
                    .page_size(batch.len() as u32))
            })
            .collect()
    }

    /// Takes batch `index`'s answer.
    pub(crate) fn keep(&mut self, index: usize, items: Vec<T>) {
        let batch = &self.batches[index];
        for item in items {
            if batch.iter().any(|uid| uid == item.uid()) && self.kept.insert(item.uid().into()) {
                self.found.push(item);
            }
        }
    }

    pub(crate) fn found(self) -> Vec<T> {
        self.found
    }
}

/// Every page of a query, in order, each object once: the query to send next, and what each
/// answer brings. Stops when the server says it is done (no `nextPage`, an empty page, or
/// `pageCount` reached), when a page brings mostly objects already seen ([`Cut::RepeatedPage`]),
/// or at `max_items` ([`Cut::MaxItems`]). A loop in each caller rather than a closure, for the
/// reason [`ById`] gives.
pub(crate) struct Gathering<T> {
    query: ListQuery,
    max_items: usize,
    seen: HashSet<String>,
    all: AllPages<T>,
    done: bool,
}

impl<T: Listed> Gathering<T> {
    pub(crate) fn new(query: &ListQuery, max_items: usize) -> Gathering<T> {
        Gathering {
            query: query.clone(),
            max_items,
            seen: HashSet::new(),
            all: AllPages {
                items: Vec::new(),
                total: None,
                pages: 0,
                cut: None,
            },
            done: false,
        }
    }

    /// The page to ask for next; `None` once gathering is over.
    pub(crate) fn next_query(&self) -> Option<ListQuery> {
        (!self.done).then(|| self.query.clone())
    }

    /// Takes the answer to [`Gathering::next_query`].
    pub(crate) fn take(&mut self, page: Page<T>) {
        let all = &mut self.all;
        all.pages += 1;
        if all.pages == 1 {
            all.total = page.pager.as_ref().map(|pager| pager.total);
        }
        let more = !page.items.is_empty()
            && page
                .pager
                .as_ref()
                .is_some_and(|pager| pager.continues_after(self.query.page));
        let mut new = 0;
        let brought = page.items.len();
        for item in page.items {
            if self.seen.contains(item.uid()) {
                continue;
            }
            if all.items.len() == self.max_items {
                all.cut = Some(Cut::MaxItems(self.max_items));
                self.done = true;
                return;
            }
            self.seen.insert(item.uid().to_string());
            all.items.push(item);
            new += 1;
        }
        // A paging server sends each object once; concurrent edits may repeat a few, but a
        // page mostly of repeats (a window that shifts by one, the same page again) means the
        // server does not page, and following it would cost a request per new item.
        if all.pages > 1 && brought > 0 && new * 2 <= brought {
            all.cut = Some(Cut::RepeatedPage(self.query.page));
            self.done = true;
        } else if !more {
            self.done = true;
        } else if all.items.len() == self.max_items {
            all.cut = Some(Cut::MaxItems(self.max_items));
            self.done = true;
        } else {
            self.query.page += 1;
        }
    }

    pub(crate) fn finish(self) -> AllPages<T> {
        self.all
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use super::*;

    /// A page as DHIS2 answers `page=asked`: the reported page clamped to `[1, pageCount]`.
    fn answer(asked: u32, total: u64, page_size: u32) -> Page<Document> {
        let page_count = u32::try_from(total.div_ceil(u64::from(page_size))).unwrap();
        Page {
            items: Vec::new(),
            pager: Some(Pager {
                page: asked.min(page_count).max(1),
                page_count,
                total,
                page_size,
                ..Pager::default()
            }),
        }
    }

    #[test]
    fn a_page_past_the_end_says_how_many_pages_there_are() {
        for (asked, total, page_size, expected) in [
            (
                4,
                150,
                50,
                Some("page 4 is past the end: there are 3 pages of 50"),
            ),
            (
                99,
                49,
                50,
                Some("page 99 is past the end: there is 1 page of 50"),
            ),
            (
                2,
                0,
                50,
                Some("page 2 is past the end: nothing matches, so page 1 (empty) is the only page"),
            ),
            (3, 150, 50, None),
            (1, 0, 50, None),
            (1, 49, 50, None),
        ] {
            let checked = answer(asked, total, page_size).check_page_exists(asked);
            assert_eq!(
                checked.err().map(|error| error.to_string()).as_deref(),
                expected,
                "page {asked} of {total} by {page_size}"
            );
        }
        // Without a pager, or without a pageCount beside a total, the end is unknown.
        let unpaged: Page<Document> = Page {
            items: Vec::new(),
            pager: None,
        };
        assert!(unpaged.check_page_exists(99).is_ok());
        let mut no_count = answer(99, 150, 50);
        no_count.pager.as_mut().unwrap().page_count = 0;
        assert!(no_count.check_page_exists(99).is_ok());
    }

    /// A page a server might send: uids drawn from a small pool (so repeats happen), whether it
    /// claims a next page, and its pageCount.
    fn any_page() -> impl Strategy<Value = (Vec<u8>, bool, u32)> {
        (
            proptest::collection::vec(0u8..40, 0..12),
            any::<bool>(),
            0u32..6,
        )
    }

    fn page_of((uids, next, page_count): &(Vec<u8>, bool, u32)) -> Page<Document> {
        Page {
            items: uids
                .iter()
                .map(|n| Document {
                    id: format!("D{n:010}"),
                    ..Document::default()
                })
                .collect(),
            pager: Some(Pager {
                page_count: *page_count,
                next_page: next.then(|| "next".to_string()),
                ..Pager::default()
            }),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the pages say (the last one repeated for ever after), gathering ends, keeps
        /// each uid once and within the limit, and every page but the last brought something
        /// new: a lying pager costs at most one request per item.
        #[test]
        fn gathering_ends_with_each_uid_once_whatever_the_pager_says(
            pages in proptest::collection::vec(any_page(), 1..8),
            max_items in 1usize..60,
        ) {
            let requests = Cell::new(0usize);
            let mut gathering = Gathering::new(&ListQuery::new(), max_items);
            while let Some(query) = gathering.next_query() {
                requests.set(requests.get() + 1);
                assert!(requests.get() <= 1000, "gathering does not end");
                let index = (query.page as usize - 1).min(pages.len() - 1);
                gathering.take(page_of(&pages[index]));
            }
            let all = gathering.finish();
            let mut uids: Vec<&str> = all.items.iter().map(|d| d.id.as_str()).collect();
            prop_assert!(uids.len() <= max_items);
            uids.sort();
            uids.dedup();
            prop_assert_eq!(uids.len(), all.items.len(), "each uid once");
            prop_assert_eq!(all.pages as usize, requests.get());
            prop_assert!(requests.get() <= all.items.len() + 1, "{} requests for {} items", requests.get(), all.items.len());
        }
    }
}
