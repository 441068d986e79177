//! The preview pane as data: what the cursor is on, the read in flight or due, the previews
//! already made (a small LRU by file resource uid), and the image encoded for the pane.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use ratatui::layout::Rect;
use ratatui_image::Resize;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;

use crate::api::Dimension;
use crate::app::ids::ReqId;
use crate::preview::{Limits, Preview, PreviewImage};

/// The cursor must rest this long on a row before its file is read: moving through a list
/// sends no request per row passed.
pub const PREVIEW_DEBOUNCE: Duration = Duration::from_millis(200);
/// Previews kept in memory, the least recently shown dropped first: going back and forth
/// between a few candidates costs no request, and each entry is bounded by the decoders
/// (lines kept, an image's thumbnail), so the cache stays a few megabytes.
pub const PREVIEW_CACHE_ENTRIES: usize = 16;
/// The image variant asked for where DHIS2 keeps one: 512 px wide fills a pane, at a
/// fraction of an original photo's bytes.
pub const PREVIEW_DIMENSION: Dimension = Dimension::Medium;

/// The longest a preview's read may take, headers to the last byte kept: the per-read timeout
/// never fires on a trickle, and a glance is not worth a minute.
pub const PREVIEW_READ_DEADLINE: Duration = Duration::from_secs(30);
/// The longest a decoder may take on the blocking pool before the pane gives up on it (the
/// byte caps keep every decoder far below it; this is for the one that misbehaves).
pub const PREVIEW_DECODE_DEADLINE: Duration = Duration::from_secs(5);

/// Images are scaled to the pane both ways (a 16-pixel icon fills it too), smoothly.
const SCALED: Resize = Resize::Scale(Some(image::imageops::FilterType::Triangle));

/// What the preview is about: the row under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A file resource (behind a file document, or a row of the file resources pane).
    File(String),
    /// An external document's URL: shown, never fetched.
    Link(String),
    /// A document whose file resource is not known.
    NoFile,
}

/// An image encoded for one area of the screen, kept until the image or the area changes.
struct DrawnImage {
    uid: String,
    area: Rect,
    protocol: Protocol,
}

pub struct PreviewPane {
    pub open: bool,
    pub subject: Option<Subject>,
    /// The read in flight, for `subject`.
    pub req: Option<ReqId>,
    /// When the read for `subject` is due (the debounce).
    pub due: Option<Duration>,
    /// Why the read for `subject` failed (not cached: tried again when the cursor comes back).
    pub failed: Option<String>,
    /// The byte bounds (`D2FILES_PREVIEW_TEXT_BYTES`, `D2FILES_PREVIEW_FILE_BYTES`).
    pub limits: Limits,
    /// How images reach this terminal (its answer at start; half-blocks without one).
    pub picker: Picker,
    /// Most recently shown last.
    cache: VecDeque<(String, Arc<Preview>)>,
    /// Encoding an image for the terminal costs more than a frame: done once per image and
    /// area, while drawing (which only has the state to read).
    drawn: RefCell<Option<DrawnImage>>,
}

impl Default for PreviewPane {
    fn default() -> Self {
        PreviewPane {
            open: false,
            subject: None,
            req: None,
            due: None,
            failed: None,
            limits: Limits::default(),
            picker: half_blocks(),
            cache: VecDeque::new(),
            drawn: RefCell::new(None),
        }
    }
}

impl PreviewPane {
    /// The preview of file resource `uid`, if one was made.
    pub fn cached(&self, uid: &str) -> Option<&Arc<Preview>> {
        self.cache
            .iter()
            .find(|(key, _)| key == uid)
            .map(|(_, p)| p)
    }

    /// Marks `uid`'s preview as just shown; whether there is one.
    pub fn touch(&mut self, uid: &str) -> bool {
        let Some(index) = self.cache.iter().position(|(key, _)| key == uid) else {
            return false;
        };
        if let Some(entry) = self.cache.remove(index) {
            self.cache.push_back(entry);
        }
        true
    }

    pub fn remember(&mut self, uid: String, preview: Arc<Preview>) {
        self.cache.retain(|(key, _)| *key != uid);
        self.cache.push_back((uid, preview));
        while self.cache.len() > PREVIEW_CACHE_ENTRIES {
            self.cache.pop_front();
        }
    }

    /// Forgets `uid`'s preview (its file was replaced).
    pub fn forget(&mut self, uid: &str) {
        self.cache.retain(|(key, _)| key != uid);
    }

    /// What is shown for the subject, once made.
    pub fn shown(&self) -> Option<&Arc<Preview>> {
        match &self.subject {
            Some(Subject::File(uid)) => self.cached(uid),
            _ => None,
        }
    }

    /// Whether images are drawn with half-blocks (plain cells, drawn with the rest of the
    /// screen) rather than a terminal protocol (escape sequences of our own, drawn last).
    pub fn draws_half_blocks(&self) -> bool {
        self.picker.protocol_type() == ProtocolType::Halfblocks
    }

    /// The protocol's name, for the pane's title.
    pub fn protocol_name(&self) -> &'static str {
        match self.picker.protocol_type() {
            ProtocolType::Halfblocks => "half-blocks",
            ProtocolType::Sixel => "sixel",
            ProtocolType::Kitty => "kitty",
            ProtocolType::Iterm2 => "iTerm2",
        }
    }

    /// Hands `draw` the image of `uid` encoded for `area`, encoding it first when the image or
    /// the area changed; `None` when it cannot be encoded.
    pub fn with_encoded<R>(
        &self,
        uid: &str,
        image: &PreviewImage,
        area: Rect,
        draw: impl FnOnce(&Protocol) -> R,
    ) -> Option<R> {
        let mut drawn = self.drawn.borrow_mut();
        let fresh = drawn
            .as_ref()
            .is_some_and(|d| d.uid == uid && d.area == area);
        if !fresh {
            let protocol = self
                .picker
                .new_protocol(image.image.clone(), area.as_size(), SCALED)
                .ok()?;
            *drawn = Some(DrawnImage {
                uid: uid.to_string(),
                area,
                protocol,
            });
        }
        drawn.as_ref().map(|d| draw(&d.protocol))
    }
}

/// A picker that draws with half-blocks, one image pixel per half cell: the image is scaled
/// once, to what the cells show (ratatui-image's own half-block picker assumes 10×20-pixel
/// cells and would scale it to a hundred times as many pixels first, ten milliseconds a
/// frame).
pub fn half_blocks() -> Picker {
    // The one public way to give a picker a cell size without asking the terminal.
    #[allow(deprecated)]
    let mut picker = Picker::from_fontsize(ratatui_image::FontSize::new(1, 2));
    picker.set_protocol_type(ProtocolType::Halfblocks);
    picker
}

/// The preview bounds from `D2FILES_PREVIEW_TEXT_BYTES` and `D2FILES_PREVIEW_FILE_BYTES`
/// (bytes), the defaults where unset or unusable.
pub fn limits_from(text_bytes: Option<&str>, file_bytes: Option<&str>) -> Limits {
    let parse = |value: Option<&str>, default: usize| {
        value
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let defaults = Limits::default();
    Limits {
        text_bytes: parse(text_bytes, defaults.text_bytes),
        file_bytes: parse(file_bytes, defaults.file_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_drops_the_least_recently_shown() {
        let mut pane = PreviewPane::default();
        let preview = Arc::new(Preview::unsupported());
        for i in 0..PREVIEW_CACHE_ENTRIES {
            pane.remember(format!("uid{i}"), preview.clone());
        }
        assert!(pane.touch("uid0"));
        pane.remember("new".into(), preview);
        assert!(pane.cached("uid0").is_some(), "touched, so kept");
        assert!(pane.cached("uid1").is_none(), "the oldest untouched goes");
        assert_eq!(pane.cache.len(), PREVIEW_CACHE_ENTRIES);
    }

    #[test]
    fn limits_come_from_the_variables_when_usable() {
        assert_eq!(limits_from(None, Some("0")), Limits::default());
        let limits = limits_from(Some("1024"), Some(" 2048 "));
        assert_eq!((limits.text_bytes, limits.file_bytes), (1024, 2048));
    }
}
