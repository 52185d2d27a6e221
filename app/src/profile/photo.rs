//! Turns an uploaded profile photo into a 256×256 JPEG. The real format is read from the
//! bytes (never the file name), decoding runs under explicit limits, and the result is a
//! fresh encoding of the pixels only: no EXIF (location), comments or trailing payload of
//! the original survive.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage};

use super::rules::{PHOTO_FORMAT, PHOTO_MAX_BYTES, PHOTO_TOO_LARGE};

pub const AVATAR_SIDE: u32 = 256;
pub const AVATAR_CONTENT_TYPE: &str = "image/jpeg";
/// Enough for a phone camera's photo (12 Mpx, 4032 × 3024); a larger claim is far more
/// than a 256×256 avatar can use, and may be a decompression bomb.
const MAX_SIDE: u32 = 8_000;
const MAX_PIXELS: u64 = 13_000_000;
/// The decoded image in memory (pixels × bytes per pixel: a 16-bit RGBA pixel takes 8):
/// a 13 Mpx RGB photo or a 10 Mpx RGBA one. Four decodes at once (the CPU pool's size on
/// two cores) stay near 200 MB with their working buffers (`scripts/photo-bombs`). Checked before decoding: `DynamicImage::from_decoder`
/// allocates the whole image at once and does not consult `Limits::max_alloc` (only
/// `ImageReader::decode` does).
const MAX_DECODE_BYTES: u64 = 40 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum PhotoError {
    TooLarge,
    NotAnImage,
    TooManyPixels,
    Unreadable,
    Encoding(String),
}

impl PhotoError {
    pub fn message(&self) -> &'static str {
        match self {
            PhotoError::TooLarge => PHOTO_TOO_LARGE,
            PhotoError::NotAnImage => PHOTO_FORMAT,
            PhotoError::TooManyPixels => {
                "This image is too large to process. Use a photo of at most 13 megapixels (for example 4032 × 3024 pixels)."
            }
            PhotoError::Unreadable => {
                "This image could not be read. It may be damaged or incomplete."
            }
            PhotoError::Encoding(_) => "This image could not be processed. Try another one.",
        }
    }
}

pub fn process(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(PhotoError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_DECODE_BYTES
    {
        return Err(PhotoError::TooManyPixels);
    }
    // Phones store photos sideways and say so in EXIF; apply it before EXIF is dropped.
    let orientation = decoder.orientation().map_err(classify)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    image.apply_orientation(orientation);

    // The centre square, as a view (no copy of the full-size image), resized to 8-bit RGBA.
    let side = image.width().min(image.height());
    let square = image::imageops::crop_imm(
        &image,
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    let resized = image::imageops::resize(&*square, AVATAR_SIDE, AVATAR_SIDE, FilterType::Lanczos3);
    let flattened = flatten_on_white(&resized);

    let mut out = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&flattened)
        .map_err(|e| PhotoError::Encoding(e.to_string()))?;
    Ok(out)
}

/// JPEG has no transparency: composite transparent pixels onto white, not black.
fn flatten_on_white(rgba: &image::RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let alpha = u16::from(p[3]);
        let blend = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha)) / 255) as u8;
        Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

fn classify(err: image::ImageError) -> PhotoError {
    match err {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        image::ImageError::Unsupported(_) => PhotoError::NotAnImage,
        _ => PhotoError::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img =
            RgbaImage::from_fn(width, height, |x, _| image::Rgba([(x % 256) as u8, 80, 160, 255]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    #[test]
    fn a_wide_png_becomes_a_256_square_jpeg() {
        let out = process(&png(800, 400)).unwrap();
        assert_eq!(image::guess_format(&out).unwrap(), ImageFormat::Jpeg);
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (AVATAR_SIDE, AVATAR_SIDE));
    }

    #[test]
    fn trailing_payload_does_not_survive() {
        let mut bytes = png(64, 64);
        bytes.extend_from_slice(b"<script>alert(1)</script>SECRET-PAYLOAD");
        let out = process(&bytes).unwrap();
        assert!(!out.windows(14).any(|w| w == b"SECRET-PAYLOAD"));
    }

    #[test]
    fn non_images_and_damaged_images_are_refused() {
        assert_eq!(process(b"<html><body>hi</body></html>"), Err(PhotoError::NotAnImage));
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
            Err(PhotoError::NotAnImage)
        );
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(process(gif), Err(PhotoError::NotAnImage));
        let full = png(300, 300);
        assert_eq!(process(&full[..full.len() / 2]), Err(PhotoError::Unreadable));
    }

    #[test]
    fn oversized_files_and_pixel_bombs_are_refused() {
        assert_eq!(process(&vec![0u8; PHOTO_MAX_BYTES + 1]), Err(PhotoError::TooLarge));
        assert_eq!(process(&pixel_bomb_png(20_000, 20_000)), Err(PhotoError::TooManyPixels));
        assert_eq!(
            process(&pixel_bomb_png(5_000, 5_000)),
            Err(PhotoError::TooManyPixels),
            "under the side cap, over the pixel cap"
        );
        // Under the pixel cap, but 16-bit RGBA: 96 MB decoded, refused before any
        // allocation (the old path allocated it, then found the data missing).
        assert_eq!(
            process(&pixel_bomb_png_of(4_000, 3_000, 16, 6)),
            Err(PhotoError::TooManyPixels),
            "over the memory cap"
        );
        // 10.5 Mpx of 8-bit RGBA: 42 MB, just over the memory cap too.
        assert_eq!(process(&pixel_bomb_png_of(3_500, 3_000, 8, 6)), Err(PhotoError::TooManyPixels));
        // A 12-megapixel phone photo's header is still welcome (its data is cut here).
        assert_eq!(process(&pixel_bomb_png(4_032, 3_024)), Err(PhotoError::Unreadable));
    }

    /// A well-formed PNG header claiming a huge image, followed by almost no data: what a
    /// decompression bomb looks like before it is inflated.
    fn pixel_bomb_png(width: u32, height: u32) -> Vec<u8> {
        pixel_bomb_png_of(width, height, 8, 2)
    }

    /// The same with another bit depth and colour type (6: RGBA).
    fn pixel_bomb_png_of(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
        // The start of the pixel data: a zlib stream with one small stored block.
        let raw = [0u8; 16];
        let mut zlib = vec![0x78, 0x01, 0x01, 16, 0, !16u8, 0xFF];
        zlib.extend_from_slice(&raw);
        zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
        let mut idat = b"IDAT".to_vec();
        idat.extend_from_slice(&zlib);
        out.extend_from_slice(&(zlib.len() as u32).to_be_bytes());
        out.extend_from_slice(&idat);
        out.extend_from_slice(&crc32fast::hash(&idat).to_be_bytes());
        out
    }

    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }
}
