//! PNG, JPEG and GIF (its first frame), decoded under size limits and shrunk to what a pane
//! can show, so the cache holds thumbnails, not photos.
use std::io::Cursor;

use ::image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::{Body, Preview};

/// The widest or tallest image decoded: a scan at 600 dpi fits, a decompression bomb's
/// 100 000-pixel side does not.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// Memory the decoder may take for one image.
pub const MAX_IMAGE_ALLOC: u64 = 256 * 1024 * 1024;
/// The side an image is shrunk to for the pane: sharp on a full-screen pane even with
/// kitty's pixels, a fraction of a photo's memory in the cache.
pub const THUMBNAIL_SIDE: u32 = 640;

/// An image ready to draw, and the size it was sent in.
#[derive(Clone, Debug)]
pub struct PreviewImage {
    pub image: DynamicImage,
    pub width: u32,
    pub height: u32,
}

pub fn decode(bytes: &[u8]) -> Preview {
    match read(bytes) {
        Ok((format, image)) => {
            let (width, height) = (image.width(), image.height());
            let thumbnail = if width > THUMBNAIL_SIDE || height > THUMBNAIL_SIDE {
                image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
            } else {
                image
            };
            Preview {
                summary: format!("{} image, {width}×{height} px", name_of(format)),
                body: Body::Image(PreviewImage {
                    image: thumbnail,
                    width,
                    height,
                }),
                cut: false,
            }
        }
        Err(reason) => Preview::cannot(reason),
    }
}

fn read(bytes: &[u8]) -> Result<(ImageFormat, DynamicImage), String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let format = reader
        .format()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif))
        .ok_or("not a PNG, JPEG or GIF image")?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("the image is malformed ({e})"))?;
    Ok((format, image))
}

fn name_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Gif => "GIF",
        _ => "an",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn a_large_image_is_kept_as_a_thumbnail_with_its_real_size_said() {
        let preview = decode(&png(1280, 640));
        assert_eq!(preview.summary, "PNG image, 1280×640 px");
        let Body::Image(image) = preview.body else {
            panic!("an image")
        };
        assert_eq!((image.image.width(), image.image.height()), (640, 320));
    }

    #[test]
    fn a_truncated_image_cannot_be_previewed() {
        let bytes = png(64, 64);
        let preview = decode(&bytes[..bytes.len() / 2]);
        assert!(matches!(preview.body, Body::Cannot(_)), "{preview:?}");
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused_before_allocating() {
        let mut bytes = png(1, 1);
        // IHDR's width, at bytes 16..20: 100 000 pixels.
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        let preview = decode(&bytes);
        assert!(matches!(preview.body, Body::Cannot(_)), "{preview:?}");
    }
}
