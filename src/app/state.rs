//! Everything the screen shows, as plain data. Only `update` changes it; `ui` only reads it.
use std::cell::Cell;
use std::path::PathBuf;
use std::time::Duration;

use tui_input::Input;

use crate::api::{
    Direction, Document, Domain, Error, Feature, FileResource, Filter, ListQuery, Operator, Order,
    Page, ServerInfo,
};
use crate::app::batch::{Batches, PendingBatch, Planning};
use crate::app::check::CheckState;
use crate::app::ids::ReqId;
use crate::app::keymap::Keymap;
use crate::app::known_resources::{KnownResource, Origin};
use crate::app::marks::Marks;
use crate::app::preview::PreviewPane;
use crate::app::resource_book::ResourceBook;
use crate::app::sharing::{EditorFocus, SharingBook, SharingEditor};
use crate::app::transfer_job::TransferJob;
use crate::app::transfer_list::Transfers;

/// Rows asked for per request, unless `D2FILES_PAGE_SIZE` says otherwise.
pub const PAGE_SIZE: u32 = 50;
/// The next page is requested when the cursor gets this close to the last loaded row.
pub const PREFETCH_ROWS: usize = 10;
/// Typing in the filter waits this long for the next key before asking the server.
pub const FILTER_DEBOUNCE: Duration = Duration::from_millis(250);
/// Moving the cursor with details open waits this long before fetching the details.
pub const DETAIL_DEBOUNCE: Duration = Duration::from_millis(120);
/// Toasts kept at most (errors stay until dismissed).
pub const MAX_TOASTS: usize = 20;
/// Rows of the screen the help box leaves free (one above, one below).
pub const HELP_MARGIN: u16 = 2;
/// How long an info toast stays.
pub const INFO_TOAST: Duration = Duration::from_secs(4);
/// Batch progress is drawn at most this often: ten frames a second read as smooth, and a
/// 500-file batch then costs no more frames than one download.
pub const BATCH_FRAME: Duration = Duration::from_millis(100);
/// A bulk delete of more documents than this asks for their number to be typed: a yes is
/// too easy to give to a selection bigger than the operator thinks.
pub const TYPED_CONFIRM_ABOVE: usize = 10;

/// What the TUI starts with, apart from the API client.
#[derive(Clone, Debug)]
pub struct Settings {
    pub profile: String,
    pub base_url: String,
    pub download_dir: PathBuf,
    pub log_path: Option<PathBuf>,
    pub keymap: Keymap,
    /// Problems with the user's keymap file (unreadable, invalid, a key moved between
    /// actions), shown once at start.
    pub keymap_problems: Vec<String>,
    /// The profile's warnings (plain http, a profiles file others can read), shown at start:
    /// printed before the TUI, they would vanish behind its screen.
    pub warnings: Vec<String>,
    pub color: bool,
    /// Rows per server request (smaller pages answer sooner over slow links).
    pub page_size: u32,
    /// Clicks and the wheel act on the screen (`--mouse`); off, the terminal keeps its own
    /// text selection.
    pub mouse: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Documents,
    Resources,
}

#[derive(Clone, Debug)]
pub enum Connection {
    Connecting,
    Ready(Box<ServerInfo>),
    /// Start-up failed: what went wrong and what to check.
    Failed {
        message: String,
        hints: Vec<String>,
    },
}

/// The sort order of both lists, changed with `s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    UpdatedDesc,
    NameAsc,
    NameDesc,
    UpdatedAsc,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::UpdatedDesc => Sort::NameAsc,
            Sort::NameAsc => Sort::NameDesc,
            Sort::NameDesc => Sort::UpdatedAsc,
            Sort::UpdatedAsc => Sort::UpdatedDesc,
        }
    }

    pub fn order(self) -> Order {
        match self {
            Sort::UpdatedDesc => Order::new("lastUpdated", Direction::Desc),
            Sort::UpdatedAsc => Order::new("lastUpdated", Direction::Asc),
            Sort::NameAsc => Order::new("name", Direction::IAsc),
            Sort::NameDesc => Order::new("name", Direction::IDesc),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::UpdatedDesc => "updated ↓",
            Sort::UpdatedAsc => "updated ↑",
            Sort::NameAsc => "name ↑",
            Sort::NameDesc => "name ↓",
        }
    }
}

/// The filter of one list: what is typed, what was last sent, and DHIS2's complaint if any.
#[derive(Clone, Debug, Default)]
pub struct FilterState {
    pub input: Input,
    pub editing: bool,
    /// The prompt was reopened on the applied text: the first character typed replaces it (as
    /// a selection would), while arrows and Backspace edit it.
    pub replace_on_type: bool,
    /// The text the list currently reflects.
    pub applied: String,
    /// What is wrong with a filter text, and which text; shown only while that text is.
    pub problem: Option<FilterProblem>,
    /// When the typed text is due to be sent.
    pub due: Option<Duration>,
}

/// A complaint (DHIS2's or ours) about one filter text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterProblem {
    pub text: String,
    pub message: String,
}

impl FilterState {
    /// DHIS2 filter syntax when the text reads `property:operator[:value]` with an operator DHIS2
    /// knows; any other text is searched for in names, `:` and all (`Open data portal: health`).
    pub fn parse(text: &str) -> Result<Option<Filter>, String> {
        let text = text.trim();
        if text.is_empty() {
            Ok(None)
        } else if dhis2_syntax(text) {
            Filter::parse(text).map(Some).map_err(|e| e.to_string())
        } else {
            Ok(Some(Filter::name_contains(text)))
        }
    }

    /// The text on screen: what is typed while editing, else what the list reflects.
    pub fn shown_text(&self) -> &str {
        if self.editing {
            self.input.value().trim()
        } else {
            self.applied.trim()
        }
    }

    /// The problem, if it is about the text on screen: a complaint about an earlier filter
    /// never shows under another one.
    pub fn error(&self) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|problem| problem.text == self.shown_text())
            .map(|problem| problem.message.as_str())
    }

    /// Records a problem with `text`.
    pub fn complain(&mut self, text: &str, message: String) {
        self.problem = Some(FilterProblem {
            text: text.trim().to_string(),
            message,
        });
    }

    /// While typing text that has a `:` but is searched for as text, says so, so a mistyped
    /// operator (`name:contians:x`) does not silently become a name search.
    pub fn note(&self) -> Option<&'static str> {
        let text = self.input.value().trim();
        (self.editing && text.contains(':') && !dhis2_syntax(text))
            .then_some("searching names for this text (DHIS2 syntax is property:operator:value)")
    }
}

/// Whether text reads as `property:operator[:value]` with a known operator.
fn dhis2_syntax(text: &str) -> bool {
    let mut parts = text.splitn(3, ':');
    let property = parts.next().unwrap_or_default();
    let operator = parts.next();
    !property.is_empty()
        && !property.contains(char::is_whitespace)
        && operator.is_some_and(|operator| operator.parse::<Operator>().is_ok())
}

/// A page request in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loading {
    pub req: ReqId,
    pub page: u32,
}

/// A server-paged list with a cursor.
#[derive(Clone, Debug)]
pub struct ListView<T> {
    pub items: Vec<T>,
    pub total: Option<u64>,
    pub cursor: usize,
    /// The next page to ask for; `None` once the last page is in.
    pub next_page: Option<u32>,
    pub loading: Option<Loading>,
    pub error: Option<String>,
    pub filter: FilterState,
    pub loaded: bool,
    /// The item to select when the next first page arrives (something just created).
    pub select: Option<String>,
    /// The next first page puts the cursor on its first row (a new sort order).
    pub to_top_on_load: bool,
    /// The page `items` starts at: 1, unless `G` jumped to the last page, which is then loaded
    /// without the pages before it (they load as the cursor moves up to them).
    pub first_page: u32,
    /// How many rows of the whole list come before `items[0]`.
    pub offset: usize,
    /// Pages the server says the list has (its pager's `pageCount`).
    pub page_count: Option<u32>,
    /// The page being jumped to puts the cursor on its last row (`G`).
    pub to_bottom_on_load: bool,
    /// Marked items by uid: kept across pages, sorting and filters, for bulk actions.
    pub marks: Marks,
    /// How many times `items` changed (through [`ListView::items_mut`]): equal counts, equal
    /// rows, for what is worked out from them once per change.
    items_changes: u64,
}

impl<T> Default for ListView<T> {
    fn default() -> Self {
        ListView {
            items: Vec::new(),
            total: None,
            cursor: 0,
            next_page: Some(1),
            loading: None,
            error: None,
            filter: FilterState::default(),
            loaded: false,
            select: None,
            to_top_on_load: false,
            first_page: 1,
            offset: 0,
            page_count: None,
            to_bottom_on_load: false,
            marks: Marks::default(),
            items_changes: 0,
        }
    }
}

impl<T> ListView<T> {
    /// The rows, to change them: counted, so the marked total knows to be worked out again.
    pub fn items_mut(&mut self) -> &mut Vec<T> {
        self.items_changes += 1;
        &mut self.items
    }

    pub fn items_changes(&self) -> u64 {
        self.items_changes
    }

    pub fn selected(&self) -> Option<&T> {
        self.items.get(self.cursor)
    }

    /// Whether the cursor is close enough to the end to want the next page.
    pub fn wants_next_page(&self) -> bool {
        self.loading.is_none()
            && self.error.is_none()
            && self.loaded
            && self.next_page.is_some()
            && self.cursor + PREFETCH_ROWS >= self.items.len()
    }

    /// Whether the cursor is close enough to the top of a window that starts after page 1 to
    /// want the page before it.
    pub fn wants_previous_page(&self) -> bool {
        self.loading.is_none()
            && self.error.is_none()
            && self.loaded
            && self.first_page > 1
            && self.cursor < PREFETCH_ROWS
    }

    /// The page to ask for as the cursor moves: the next one near the end, the one before the
    /// window near its top.
    pub fn page_wanted(&self) -> Option<u32> {
        self.next_page
            .filter(|_| self.wants_next_page())
            .or_else(|| self.wants_previous_page().then(|| self.first_page - 1))
    }

    /// The page `G` loads to reach the real end, when the last page is not loaded yet and is
    /// not simply the next one.
    pub fn last_page_to_jump_to(&self) -> Option<u32> {
        let next = self.next_page?;
        self.page_count.filter(|last| *last > next)
    }

    /// Marks or unmarks one item.
    pub fn toggle_mark(&mut self, uid: &str) {
        self.marks.toggle(uid);
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if self.items.is_empty() {
            self.cursor = 0;
            return;
        }
        let last = self.items.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }
}

/// One row of the file resources pane: which file resource, and a name to show until its
/// metadata is known (the metadata itself is in `ResourcesView::book`).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceRow {
    pub uid: String,
    pub name: String,
    pub origin: Origin,
}

/// How the file resources pane gets its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceSource {
    /// `/api/fileResources` (2.41+).
    Server,
    /// Before 2.41: documents, own uploads, look-ups.
    Known,
}

#[derive(Clone, Debug)]
pub struct ResourcesView {
    pub source: ResourceSource,
    pub list: ListView<ResourceRow>,
    /// The domain filter of the server list (`None` = every domain).
    pub domain: Option<Domain>,
    /// Own uploads and look-ups (the Known source).
    pub known: Vec<KnownResource>,
    /// Everything known of every file resource: rows, details and the Documents pane's type
    /// and size columns read it.
    pub book: ResourceBook,
    /// The one plain read in flight (they go one at a time, never a burst).
    pub fetching: Option<(ReqId, String)>,
    pub fetch_due: Option<Duration>,
}

impl ResourcesView {
    /// What a row is called: the file resource's own name once known.
    pub fn row_name<'a>(&'a self, row: &'a ResourceRow) -> &'a str {
        self.book
            .get(&row.uid)
            .map_or(row.name.as_str(), FileResource::title)
    }
}

impl Default for ResourcesView {
    fn default() -> Self {
        ResourcesView {
            source: ResourceSource::Server,
            list: ListView::default(),
            domain: None,
            known: Vec::new(),
            book: ResourceBook::default(),
            fetching: None,
            fetch_due: None,
        }
    }
}

/// The details panel of the Documents pane.
#[derive(Clone, Debug, Default)]
pub struct Details {
    pub open: bool,
    /// The document the panel is about.
    pub uid: Option<String>,
    pub req: Option<ReqId>,
    pub due: Option<Duration>,
    /// The document, read in full; its file resource is in `ResourcesView::book`.
    pub document: Option<Document>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub level: ToastLevel,
    pub text: String,
    /// Info toasts fade; errors stay until dismissed.
    pub expires: Option<Duration>,
}

/// What [`State::marked`] was last worked out from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MarkedKey {
    pane: Pane,
    marks: u64,
    book: u64,
    rows: u64,
}

/// What the current pane's marks add up to, for the footer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkedTotal {
    pub count: usize,
    /// The bytes of the marked items whose size is known.
    pub bytes: u64,
    /// Some marked documents are not among the loaded rows ("all that match"), so their
    /// sizes are not in `bytes`.
    pub beyond_loaded: bool,
}

/// What a confirmation will do on "yes": the pending action as data.
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    Delete {
        uid: String,
        name: String,
    },
    Overwrite {
        job: TransferJob,
        label: String,
        path: PathBuf,
    },
    /// Marks every document matching the list's filters.
    MarkMatching {
        query: ListQuery,
    },
    Quit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    pub yes: bool,
    pub pending: Pending,
}

#[derive(Clone, Debug, Default)]
pub struct LinkForm {
    pub name: Input,
    pub url: Input,
    pub focus_url: bool,
    /// DHIS2's rule, checked as the URL is typed.
    pub url_problem: Option<String>,
    pub name_problem: Option<String>,
    pub sending: bool,
}

/// A path field with Tab completion.
#[derive(Clone, Debug, Default)]
pub struct PathField {
    pub input: Input,
    pub candidates: Vec<String>,
    pub req: Option<ReqId>,
    /// In a field of several paths: the text when Tab was pressed and the place of the word
    /// being completed (the completion replaces that word only).
    pub completing_word: Option<(String, std::ops::Range<usize>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadFocus {
    Path,
    Name,
    Domain,
}

#[derive(Clone, Debug)]
pub struct UploadForm {
    pub path: PathField,
    pub name: Input,
    /// Once the name is typed by hand it no longer follows the file name.
    pub name_edited: bool,
    /// `Some` in the file resources pane: the domain to upload into.
    pub domain: Option<Domain>,
    pub focus: UploadFocus,
    pub problem: Option<String>,
    /// The check of the path in flight: the form closes when it passes.
    pub checking: Option<ReqId>,
}

/// The inline prompt of a rename (`R`), prefilled with the document's name.
#[derive(Clone, Debug)]
pub struct RenameForm {
    pub uid: String,
    /// The name it has now.
    pub name: String,
    pub input: Input,
    pub problem: Option<String>,
}

/// The prompt for the file to put behind a document (`p`).
#[derive(Clone, Debug)]
pub struct ReplaceForm {
    pub uid: String,
    pub name: String,
    pub path: PathField,
    pub problem: Option<String>,
    /// The check of the path in flight: the replace starts when it passes.
    pub checking: Option<ReqId>,
}

/// An edit sent to the runner, until its answer comes.
#[derive(Clone, Debug, PartialEq)]
pub enum PendingEdit {
    Rename {
        uid: String,
        /// The name before.
        from: String,
    },
    /// A sharing change of these documents (one, or the marked ones).
    Sharing { uids: Vec<String> },
}

/// What a download prompt fetches.
#[derive(Clone, Debug, PartialEq)]
pub enum DownloadSource {
    Document {
        uid: String,
        name: String,
    },
    Resource {
        uid: String,
        name: String,
    },
    /// The marked documents, into a directory; `label` says how many.
    Marked {
        uids: Vec<String>,
        label: String,
    },
}

impl DownloadSource {
    pub fn label(&self) -> &str {
        match self {
            DownloadSource::Document { name, .. } | DownloadSource::Resource { name, .. } => name,
            DownloadSource::Marked { label, .. } => label,
        }
    }
}

#[derive(Clone, Debug)]
pub struct DownloadForm {
    pub source: DownloadSource,
    pub path: PathField,
    pub problem: Option<String>,
}

/// An external link's choices instead of a download.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkChoice {
    pub name: String,
    pub url: String,
    /// 0 open, 1 copy, 2 cancel.
    pub choice: usize,
}

/// The answers to a name that exists already in a bulk download, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictChoice {
    Replace,
    Skip,
    ReplaceAll,
    SkipAll,
    Cancel,
}

impl ConflictChoice {
    pub const ALL: [ConflictChoice; 5] = [
        ConflictChoice::Replace,
        ConflictChoice::Skip,
        ConflictChoice::ReplaceAll,
        ConflictChoice::SkipAll,
        ConflictChoice::Cancel,
    ];
}

/// A bulk download's question about one conflict; the plan waits in it.
#[derive(Clone, Debug)]
pub struct ConflictAsk {
    pub batch: PendingBatch,
    /// The step asked about.
    pub step: usize,
    /// The highlighted answer (Enter takes it); Skip at first, as it loses nothing.
    pub choice: ConflictChoice,
}

/// The one confirmation before a batch starts: what it will do, item by item.
#[derive(Clone, Debug)]
pub struct BatchConfirm {
    pub batch: PendingBatch,
    /// The number typed, when one must be (see [`TYPED_CONFIRM_ABOVE`]).
    pub typed: Input,
    pub yes: bool,
    /// The typed number is not the count.
    pub problem: Option<String>,
}

impl BatchConfirm {
    /// The number the user must type to confirm, when the batch deletes more than
    /// [`TYPED_CONFIRM_ABOVE`] documents.
    pub fn count_to_type(&self) -> Option<usize> {
        let acting = self.batch.plan.acting();
        (self.batch.kind == crate::app::batch::BatchKind::Delete && acting > TYPED_CONFIRM_ABOVE)
            .then_some(acting)
    }
}

/// What a copy to another profile takes: the documents' uids and how to call them
/// ("3 marked documents", “Annual report”).
#[derive(Clone, Debug, PartialEq)]
pub struct CopyItems {
    pub uids: Vec<String>,
    pub label: String,
}

/// A configured profile in the list a copy's target is chosen from. Names, URLs and reasons
/// come from files: drawn through the screen's neutralising like server text.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileRow {
    pub name: String,
    /// Its server, with any user info masked.
    pub url: Option<String>,
    pub is_default: bool,
    /// Why it cannot be chosen (hidden by a project profile, a mistake in its file, the
    /// server of this session); `None` when it can.
    pub unusable: Option<String>,
}

/// The list of the other configured profiles a copy goes to.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileChoice {
    pub items: CopyItems,
    /// The ones that can be chosen first, then the others, each in the files' order.
    pub rows: Vec<ProfileRow>,
    pub cursor: usize,
}

impl ProfileChoice {
    pub fn selected(&self) -> Option<&ProfileRow> {
        self.rows.get(self.cursor)
    }
}

#[derive(Clone, Debug)]
pub enum Dialog {
    Confirm(Confirm),
    AddLink(LinkForm),
    Upload(UploadForm),
    Download(DownloadForm),
    LookUp {
        input: Input,
        problem: Option<String>,
    },
    Link(LinkChoice),
    Conflict(ConflictAsk),
    BatchConfirm(BatchConfirm),
    /// Where a copy goes: another configured profile.
    ChooseProfile(ProfileChoice),
    /// A rename's prompt (drawn inline, above the footer).
    Rename(RenameForm),
    /// The file to put behind a document.
    ReplaceFile(ReplaceForm),
    /// The sharing editor of a document or of the marked documents.
    Sharing(Box<SharingEditor>),
}

/// Which part of the screen takes keys, the topmost first: one rule for the keys, pastes,
/// the mouse, the footer's hints and what is drawn on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Before the server answered.
    Connecting,
    /// Start-up failed: quit, or try again.
    Failed,
    Help,
    Dialog,
    /// The filter prompt, being typed in.
    Filter,
    /// The transfers panel (keys it does not know fall through to the list).
    Transfers,
    List,
}

/// A page that answered before the connection: its request, its number and the answer.
#[derive(Debug)]
pub struct EarlyPage {
    pub req: ReqId,
    pub page: u32,
    pub result: Result<Page<Document>, Error>,
}

pub struct State {
    /// Time since start, from the last tick.
    pub now: Duration,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub size: (u16, u16),
    pub settings: Settings,
    pub connection: Connection,
    pub pane: Pane,
    pub sort: Sort,
    pub documents: ListView<Document>,
    /// The first page, asked for beside the connection at start, when it answers before the
    /// connection does: taken in once connected (see `update::init`).
    pub early_documents: Option<EarlyPage>,
    pub resources: ResourcesView,
    pub details: Details,
    /// The preview pane (`p`): what the cursor is on, its read, the previews made.
    pub preview: PreviewPane,
    pub dialog: Option<Dialog>,
    pub transfers: Transfers,
    pub batches: Batches,
    /// A batch's plan being made.
    pub planning: Option<Planning>,
    /// "All that match" paging in its documents.
    pub selecting: Option<ReqId>,
    /// The profiles being read for a copy of these documents.
    pub listing_profiles: Option<(ReqId, CopyItems)>,
    /// The integrity check: the one running, the last report by uid, the problems views.
    pub check: CheckState,
    /// Each document's sharing as read for the details, by uid, until an edit.
    pub sharing: SharingBook,
    /// Renames and sharing changes in the runner, by request, in the order sent.
    pub edits: Vec<(ReqId, PendingEdit)>,
    pub show_transfers: bool,
    /// `Some(scroll)` while help is open.
    pub help: Option<u16>,
    pub toasts: Vec<Toast>,
    /// Advances while something loads, for the spinner.
    pub spinner: usize,
    next_req: ReqId,
    /// The footer's marked total and what it was worked out from (see [`State::marked`]).
    marked_memo: Cell<Option<(MarkedKey, MarkedTotal)>>,
}

impl State {
    pub fn new(settings: Settings) -> State {
        let mut state = State {
            now: Duration::ZERO,
            dirty: true,
            size: (80, 24),
            settings,
            connection: Connection::Connecting,
            pane: Pane::Documents,
            sort: Sort::UpdatedDesc,
            documents: ListView::default(),
            early_documents: None,
            resources: ResourcesView::default(),
            details: Details::default(),
            preview: PreviewPane::default(),
            dialog: None,
            transfers: Transfers::default(),
            batches: Batches::default(),
            planning: None,
            selecting: None,
            listing_profiles: None,
            check: CheckState::default(),
            sharing: SharingBook::default(),
            edits: Vec::new(),
            show_transfers: false,
            help: None,
            toasts: Vec::new(),
            spinner: 0,
            next_req: 0,
            marked_memo: Cell::new(None),
        };
        for problem in state.settings.keymap_problems.clone() {
            state.toast_error(problem);
        }
        for warning in state.settings.warnings.clone() {
            // Until dismissed, like an error: these are about the user's credentials.
            state.toast_error(format!("warning: {warning}"));
        }
        state
    }

    pub fn layer(&self) -> Layer {
        match self.connection {
            Connection::Connecting => Layer::Connecting,
            Connection::Failed { .. } => Layer::Failed,
            Connection::Ready(_) if self.help.is_some() => Layer::Help,
            Connection::Ready(_) if self.dialog.is_some() => Layer::Dialog,
            Connection::Ready(_) if self.filter().editing => Layer::Filter,
            Connection::Ready(_) if self.show_transfers => Layer::Transfers,
            Connection::Ready(_) => Layer::List,
        }
    }

    /// Whether typed characters go into a text field (the filter, or a form's focused field).
    pub fn typing(&self) -> bool {
        match self.layer() {
            Layer::Filter => true,
            Layer::Dialog => match &self.dialog {
                Some(
                    Dialog::AddLink(_)
                    | Dialog::Download(_)
                    | Dialog::LookUp { .. }
                    | Dialog::Rename(_)
                    | Dialog::ReplaceFile(_),
                ) => true,
                Some(Dialog::Sharing(editor)) => {
                    editor.focus == EditorFocus::Search && !editor.confirming
                }
                Some(Dialog::Upload(form)) => form.focus != UploadFocus::Domain,
                Some(Dialog::BatchConfirm(confirm)) => confirm.count_to_type().is_some(),
                _ => false,
            },
            _ => false,
        }
    }

    pub fn next_req(&mut self) -> ReqId {
        self.next_req += 1;
        self.next_req
    }

    pub fn server(&self) -> Option<&ServerInfo> {
        match &self.connection {
            Connection::Ready(info) => Some(info),
            _ => None,
        }
    }

    pub fn toast_info(&mut self, text: impl Into<String>) {
        self.toasts.push(Toast {
            level: ToastLevel::Info,
            text: text.into(),
            expires: Some(self.now + INFO_TOAST),
        });
    }

    /// An info toast that stays until dismissed: what a background job found, which the
    /// user may be looking away from when it ends. It replaces the note before it.
    pub fn toast_note(&mut self, text: impl Into<String>) {
        // It replaces the one before (a check's summary): the newest result is the one that
        // counts, and a stack of old ones would hide the list.
        self.toasts
            .retain(|toast| toast.level != ToastLevel::Info || toast.expires.is_some());
        self.toasts.push(Toast {
            level: ToastLevel::Info,
            text: text.into(),
            expires: None,
        });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
    }

    pub fn toast_error(&mut self, text: impl Into<String>) {
        self.toasts.push(Toast {
            level: ToastLevel::Error,
            text: text.into(),
            expires: None,
        });
        // A flapping server must not grow the list without end; the newest matter most.
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
    }

    /// Whether anything is loading (the spinner turns).
    pub fn is_loading(&self) -> bool {
        matches!(self.connection, Connection::Connecting)
            || self.documents.loading.is_some()
            || self.resources.list.loading.is_some()
            || self.details.req.is_some()
            || self.preview.req.is_some()
            || self.resources.fetching.is_some()
            || self.planning.is_some()
            || self.selecting.is_some()
            || self.check.running.is_some()
            || self.sharing.reading()
            || !self.edits.is_empty()
    }

    /// Whether the loop should keep sending ticks (something animates or waits for time).
    pub fn wants_ticks(&self) -> bool {
        self.is_loading()
            || self.documents.filter.due.is_some()
            || self.resources.list.filter.due.is_some()
            || self.details.due.is_some()
            || self.preview.due.is_some()
            || self.resources.fetch_due.is_some()
            || self.toasts.iter().any(|t| t.expires.is_some())
            || self.batches.unshown
            || matches!(&self.dialog, Some(Dialog::Sharing(editor)) if editor.search.due.is_some())
    }

    /// The help screen's lines.
    pub fn help_lines(&self) -> Vec<crate::app::help::HelpLine> {
        crate::app::help::lines(&self.settings.keymap, self.settings.log_path.as_deref())
    }

    /// The furthest help scrolls: its last line at the bottom of the box (inside its borders).
    pub fn help_scroll_limit(&self) -> u16 {
        let visible = self.size.1.saturating_sub(HELP_MARGIN + 2);
        u16::try_from(self.help_lines().len())
            .unwrap_or(u16::MAX)
            .saturating_sub(visible)
    }

    /// Rows the table shows at once, for PageUp/PageDown.
    pub fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(10)).max(1)
    }

    /// Whether the current pane shows only the last check's problem rows.
    pub fn showing_problems(&self) -> bool {
        match self.pane {
            Pane::Documents => self.check.documents_view.is_some(),
            Pane::Resources => self.check.resources_view.is_some(),
        }
    }

    /// The filter being edited or shown in the current pane.
    pub fn filter(&self) -> &FilterState {
        match self.pane {
            Pane::Documents => &self.documents.filter,
            Pane::Resources => &self.resources.list.filter,
        }
    }

    pub fn filter_mut(&mut self) -> &mut FilterState {
        match self.pane {
            Pane::Documents => &mut self.documents.filter,
            Pane::Resources => &mut self.resources.list.filter,
        }
    }

    /// The current pane's marks, and the bytes of those whose size is known.
    pub fn marked(&self) -> MarkedTotal {
        // Asked every frame: worked out once per change of what it depends on.
        let key = self.marked_key();
        if let Some((known, total)) = self.marked_memo.get()
            && known == key
        {
            return total;
        }
        let total = self.marked_total();
        self.marked_memo.set(Some((key, total)));
        total
    }

    /// What the marked total depends on: the pane's marks, its rows and the known sizes.
    fn marked_key(&self) -> MarkedKey {
        let (marks, rows) = match self.pane {
            Pane::Documents => (&self.documents.marks, self.documents.items_changes()),
            Pane::Resources => (
                &self.resources.list.marks,
                self.resources.list.items_changes(),
            ),
        };
        MarkedKey {
            pane: self.pane,
            marks: marks.changes(),
            book: self.resources.book.changes(),
            rows,
        }
    }

    fn marked_total(&self) -> MarkedTotal {
        let marks = match self.pane {
            Pane::Documents => &self.documents.marks,
            Pane::Resources => &self.resources.list.marks,
        };
        let mut total = MarkedTotal {
            count: marks.len(),
            ..MarkedTotal::default()
        };
        if marks.is_empty() {
            return total;
        }
        let book = &self.resources.book;
        let size_of = |uid: &str| book.get(uid).and_then(|r| r.content_length);
        match self.pane {
            // A document's size is its file resource's, known for the loaded rows only.
            Pane::Documents => {
                let mut loaded = 0;
                for document in self
                    .documents
                    .items
                    .iter()
                    .filter(|d| marks.contains(&d.id))
                {
                    loaded += 1;
                    total.bytes += document.file_resource_uid().and_then(size_of).unwrap_or(0);
                }
                total.beyond_loaded = loaded < marks.len();
            }
            Pane::Resources => total.bytes = marks.iter().filter_map(|uid| size_of(uid)).sum(),
        }
        total
    }

    /// Whether the server lists file resources (2.41+).
    pub fn server_lists_resources(&self) -> bool {
        self.server()
            .and_then(|info| info.version.as_ref())
            .is_none_or(|v| v.supports(Feature::FileResourceList))
    }

    pub fn documents_query(&self, page: u32) -> ListQuery {
        let mut query = ListQuery::new()
            .page(page)
            .page_size(self.settings.page_size)
            .order_by(self.sort.order());
        if let Ok(Some(filter)) = FilterState::parse(&self.documents.filter.applied) {
            query = query.filter(filter);
        }
        query
    }

    pub fn resources_query(&self, page: u32) -> ListQuery {
        let mut query = ListQuery::new()
            .page(page)
            .page_size(self.settings.page_size)
            .order_by(self.sort.order());
        if let Ok(Some(filter)) = FilterState::parse(&self.resources.list.filter.applied) {
            query = query.filter(filter);
        }
        if let Some(domain) = &self.resources.domain {
            query = query.filter(Filter {
                property: "domain".into(),
                operator: crate::api::Operator::Eq,
                value: Some(domain.as_str().to_string()),
            });
        }
        query
    }

    pub fn selected_document(&self) -> Option<&Document> {
        self.documents.selected()
    }

    pub fn selected_resource(&self) -> Option<&ResourceRow> {
        self.resources.list.selected()
    }
}
