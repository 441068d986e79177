//! Fault injection: a cloneable handle shared with the running server.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The body a failing response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultBody {
    /// A DHIS2 WebMessage JSON error.
    WebMessage,
    /// An HTML error page, as a reverse proxy (nginx) sends.
    ProxyHtml,
    PlainText,
    Empty,
    /// JSON cut off in the middle.
    TruncatedJson,
}

/// Answer the next matching request(s) with an error instead of the real response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Only this method (e.g. "GET"); `None` = any.
    pub method: Option<String>,
    /// Only paths containing this; `None` = any.
    pub path_contains: Option<String>,
    /// How many requests it fails before it expires.
    pub count: u32,
    /// How many matching requests it lets through first (to fail the second PUT of an edit).
    pub skip: u32,
    pub status: u16,
    pub body: FaultBody,
}

impl FaultRule {
    /// One failure with `status` and a WebMessage body, on any request.
    pub fn new(status: u16) -> Self {
        Self {
            method: None,
            path_contains: None,
            count: 1,
            skip: 0,
            status,
            body: FaultBody::WebMessage,
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    pub fn path(mut self, substring: &str) -> Self {
        self.path_contains = Some(substring.to_string());
        self
    }

    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Lets the first `n` matching requests through, then fails the next ones.
    pub fn after(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    pub fn body(mut self, body: FaultBody) -> Self {
        self.body = body;
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.count > 0
            && self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

#[derive(Debug, Default)]
struct FaultState {
    delay: Duration,
    rules: Vec<FaultRule>,
    /// (bytes to send, path substring)
    drop_after: Option<(u64, String)>,
    stall_storage: bool,
    redirects: u32,
    /// (remaining, Location) of redirects to an arbitrary URL.
    redirect_to: Option<(u32, String)>,
    corrupt_uploads: u32,
    /// Path substring of the next answer whose first body byte is flipped.
    tamper: Option<String>,
    /// (bytes to send, path substring) of the next answer that then stops sending.
    stall_after: Option<(u64, String)>,
    /// (bytes to read, path substring) of the next request whose connection is cut while
    /// its body arrives.
    drop_request_after: Option<(u64, String)>,
}

/// The fault controls of one emulator.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A panic elsewhere cannot leave this state inconsistent, so ignore poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait this long before every response (zero clears it).
    pub fn delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    pub fn fail_next(&self, rule: FaultRule) {
        self.lock().rules.push(rule);
    }

    /// The next download whose path contains `path_contains` sends `bytes` bytes of its body,
    /// then the connection is cut.
    pub fn drop_after_bytes(&self, bytes: u64, path_contains: &str) {
        self.lock().drop_after = Some((bytes, path_contains.to_string()));
    }

    /// While on, new uploads never leave PENDING (as when the file store fails).
    pub fn stall_storage(&self, stall: bool) {
        self.lock().stall_storage = stall;
    }

    /// Answer the next `n` requests with the version's 302 to the login page.
    pub fn redirect_to_login_next(&self, n: u32) {
        self.lock().redirects = n;
    }

    /// Answer the next `n` requests with a 302 to `location` (e.g. another host), as a
    /// misconfigured proxy or a hostile server would.
    pub fn redirect_next_to(&self, location: &str, n: u32) {
        self.lock().redirect_to = Some((n, location.to_string()));
    }

    /// The next `n` uploads are stored with their last byte flipped, so the stored `contentMd5`
    /// differs from the sender's while the length matches (as when bytes are damaged on the way).
    pub fn corrupt_next_uploads(&self, n: u32) {
        self.lock().corrupt_uploads = n;
    }

    /// The next answer whose path contains `path_contains` has its first body byte flipped:
    /// same length, other MD5 (bytes damaged by a proxy or a bad disk).
    pub fn tamper_next_download(&self, path_contains: &str) {
        self.lock().tamper = Some(path_contains.to_string());
    }

    /// The next answer whose path contains `path_contains` sends `bytes` bytes of its body,
    /// then nothing more while the connection stays open (a hung server or a dead link).
    pub fn stall_after_bytes(&self, bytes: u64, path_contains: &str) {
        self.lock().stall_after = Some((bytes, path_contains.to_string()));
    }

    /// The next request whose path contains `path_contains` has `bytes` bytes of its body
    /// read, then its connection is cut without an answer (a dropped upload).
    pub fn drop_request_after_bytes(&self, bytes: u64, path_contains: &str) {
        self.lock().drop_request_after = Some((bytes, path_contains.to_string()));
    }

    pub fn reset(&self) {
        *self.lock() = FaultState::default();
    }

    pub(crate) fn current_delay(&self) -> Duration {
        self.lock().delay
    }

    pub(crate) fn take_redirect(&self) -> bool {
        take_count(&mut self.lock().redirects)
    }

    pub(crate) fn take_redirect_to(&self) -> Option<String> {
        let mut state = self.lock();
        let (remaining, location) = state.redirect_to.as_mut()?;
        *remaining -= 1;
        let location = location.clone();
        if *remaining == 0 {
            state.redirect_to = None;
        }
        Some(location)
    }

    pub(crate) fn take_stall_after(&self, path: &str) -> Option<u64> {
        take_for_path(&mut self.lock().stall_after, path)
    }

    pub(crate) fn take_drop_request_after(&self, path: &str) -> Option<u64> {
        take_for_path(&mut self.lock().drop_request_after, path)
    }

    pub(crate) fn take_tamper(&self, path: &str) -> bool {
        let mut state = self.lock();
        if state.tamper.as_deref().is_some_and(|p| path.contains(p)) {
            state.tamper = None;
            true
        } else {
            false
        }
    }

    pub(crate) fn take_corrupt_upload(&self) -> bool {
        take_count(&mut self.lock().corrupt_uploads)
    }

    /// The first rule matching the request, consuming one of its uses.
    pub(crate) fn take_failure(&self, method: &str, path: &str) -> Option<FaultRule> {
        let mut state = self.lock();
        let index = state.rules.iter().position(|r| r.matches(method, path))?;
        if state.rules[index].skip > 0 {
            state.rules[index].skip -= 1;
            return None;
        }
        let rule = state.rules[index].clone();
        state.rules[index].count -= 1;
        if state.rules[index].count == 0 {
            state.rules.remove(index);
        }
        Some(rule)
    }

    pub(crate) fn take_drop_after(&self, path: &str) -> Option<u64> {
        take_for_path(&mut self.lock().drop_after, path)
    }

    pub(crate) fn storage_stalled(&self) -> bool {
        self.lock().stall_storage
    }
}

/// Uses up one of a counted fault's remaining uses, if any are left.
fn take_count(remaining: &mut u32) -> bool {
    let left = *remaining > 0;
    if left {
        *remaining -= 1;
    }
    left
}

/// Takes a one-shot (bytes, path substring) fault if it applies to `path`.
fn take_for_path(slot: &mut Option<(u64, String)>, path: &str) -> Option<u64> {
    match slot {
        Some((bytes, substring)) if path.contains(substring.as_str()) => {
            let bytes = *bytes;
            *slot = None;
            Some(bytes)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_counted_and_filtered() {
        let faults = Faults::default();
        faults.fail_next(
            FaultRule::new(502)
                .method("get")
                .path("/documents")
                .times(2),
        );
        assert!(faults.take_failure("POST", "/api/documents").is_none());
        assert!(faults.take_failure("GET", "/api/me").is_none());
        assert!(faults.take_failure("GET", "/api/documents").is_some());
        assert!(faults.take_failure("GET", "/api/documents").is_some());
        assert!(faults.take_failure("GET", "/api/documents").is_none());
    }

    #[test]
    fn one_shot_controls() {
        let faults = Faults::default();
        faults.redirect_to_login_next(1);
        assert!(faults.take_redirect());
        assert!(!faults.take_redirect());
        faults.drop_after_bytes(10, "/data");
        assert_eq!(faults.take_drop_after("/api/me"), None);
        assert_eq!(faults.take_drop_after("/x/data"), Some(10));
        assert_eq!(faults.take_drop_after("/x/data"), None);
        faults.redirect_next_to("http://elsewhere/x", 2);
        assert_eq!(
            faults.take_redirect_to().as_deref(),
            Some("http://elsewhere/x")
        );
        assert!(faults.take_redirect_to().is_some());
        assert!(faults.take_redirect_to().is_none());
        faults.tamper_next_download("/data");
        assert!(!faults.take_tamper("/api/me"));
        assert!(faults.take_tamper("/x/data"));
        assert!(!faults.take_tamper("/x/data"));
        faults.stall_after_bytes(5, "/data");
        assert_eq!(faults.take_stall_after("/api/me"), None);
        assert_eq!(faults.take_stall_after("/x/data"), Some(5));
        faults.drop_request_after_bytes(7, "/fileResources");
        assert_eq!(
            faults.take_drop_request_after("/api/fileResources"),
            Some(7)
        );
        assert_eq!(faults.take_drop_request_after("/api/fileResources"), None);
        faults.corrupt_next_uploads(1);
        assert!(faults.take_corrupt_upload());
        assert!(!faults.take_corrupt_upload());
    }
}
