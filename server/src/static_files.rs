//! The app's own files under `/pkg` (wasm, JS, CSS): served from brotli or gzip copies made
//! once at start, and cached by browsers for a year when their names carry a content hash
//! (cargo-leptos `hash-files`), since a new build then means new names.

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;

/// Files worth compressing (wasm, JS, CSS, the split manifest).
const COMPRESSIBLE: [&str; 4] = ["wasm", "js", "css", "json"];

/// Whether the build hashed the file names: cargo-leptos writes `hash.txt` (the names'
/// hashes) beside the server binary when it does, and `shell::head` reads it there.
pub fn names_are_hashed(hash_file: &str) -> bool {
    app::shell::head::hash_file_path(hash_file).is_some_and(|path| path.is_file())
}

/// `/pkg`, from `dir`: a `.br` or `.gz` copy when the browser accepts one and it exists,
/// else the file itself (which the compression layer then compresses on the fly).
///
/// Every answer says it varies with `Accept-Encoding`, so a shared cache in front (a CDN, a
/// proxy) never hands a brotli copy to a browser that asked for gzip. Hashed names never
/// change content, so they carry no `Last-Modified`: nothing ever revalidates them, and the
/// 45 bytes were repeated on each of a page's few dozen chunks.
///
/// Except two: cargo-leptos names the JS module and the main wasm (`{output_name}.*.js`,
/// `{output_name}.*.wasm`) by hashes it takes before it writes their final content (the
/// JS then gets the splitter's loader's name written in; the wasm is split afterwards).
/// Two builds of the same sources in December 2026 gave both files the same names and
/// different contents, the JS importing a loader the new build no longer had: a browser
/// that kept them for a year would have broken on the next deploy. So those two are
/// revalidated on every page (`no-cache` and `Last-Modified`: a 304 while unchanged).
pub fn pkg_router<S: Clone + Send + Sync + 'static>(
    dir: &Path,
    hashed_names: bool,
    output_name: &str,
) -> Router<S> {
    let rewritten_prefix: std::sync::Arc<str> = format!("/{output_name}.").into();
    // The JS module or the main wasm, whose names do not follow their content.
    let named_before_written = move |path: &str| {
        path.starts_with(&*rewritten_prefix) && (path.ends_with(".js") || path.ends_with(".wasm"))
    };
    let serve = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(serve).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let immutable = hashed_names && !named_before_written(request.uri().path());
            async move {
                let mut response = next.run(request).await;
                let cacheable = response.status().is_success()
                    || response.status() == axum::http::StatusCode::NOT_MODIFIED;
                let headers = response.headers_mut();
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                if !cacheable {
                    // A missing file must not be remembered as missing for a year.
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                } else if immutable {
                    headers.remove(header::LAST_MODIFIED);
                    headers.insert(
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=31536000, immutable"),
                    );
                } else {
                    // Same names for a new content: the browser must ask whether its copy
                    // is current.
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                }
                response
            }
        },
    ))
}

/// The argument that makes the server binary compress a folder and exit (see
/// `precompress_in_background`).
pub const PRECOMPRESS_ARG: &str = "--precompress";

/// Writes the `.br` (quality 11 in a release) and `.gz` (level 9) copies of every
/// compressible file in `dir` that lacks a current one. Each copy is written under a
/// temporary name and renamed, so it is never served half-written; until it exists, the
/// file is compressed per request.
///
/// The work runs in a child process (this binary again, with `--precompress DIR`): brotli's
/// best quality needs tens of megabytes of match tables for the 1.7 MB wasm, and in a
/// process of its own they are gone when it exits instead of staying in the server's
/// resident memory. If the child cannot be started, the server compresses by itself.
pub fn precompress_in_background(dir: PathBuf) {
    tokio::task::spawn_blocking(move || {
        let child = std::env::current_exe().and_then(|exe| {
            std::process::Command::new(exe).arg(PRECOMPRESS_ARG).arg(&dir).status()
        });
        match child {
            Ok(status) if status.success() => {}
            Ok(status) => tracing::warn!(%status, "compressing the app's files failed"),
            Err(err) => {
                tracing::info!(%err, "compressing the app's files in the server process");
                precompress_and_log(&dir);
            }
        }
    });
}

/// Compresses `dir` here and now, logging what it did; true unless it failed.
pub fn precompress_and_log(dir: &Path) -> bool {
    let started = std::time::Instant::now();
    match precompress(dir) {
        Ok(0) => true,
        Ok(written) => {
            tracing::info!(
                written,
                millis = started.elapsed().as_millis() as u64,
                dir = %dir.display(),
                "compressed the app's files"
            );
            true
        }
        Err(err) => {
            tracing::warn!(%err, dir = %dir.display(), "could not compress the app's files");
            false
        }
    }
}

/// Returns how many copies it wrote.
pub fn precompress(dir: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // No site built (tests, a server run without cargo-leptos): nothing to do.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let path = entry?.path();
        let compressible =
            path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() {
            continue;
        }
        let source_time = std::fs::metadata(&path)?.modified()?;
        for (suffix, compress) in [("br", brotli_bytes as fn(&[u8]) -> _), ("gz", gzip_bytes)] {
            let target = PathBuf::from(format!("{}.{suffix}", path.display()));
            let current = std::fs::metadata(&target)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= source_time);
            if current {
                continue;
            }
            let bytes = compress(&std::fs::read(&path)?)?;
            let partial = PathBuf::from(format!("{}.{suffix}.partial", path.display()));
            std::fs::write(&partial, bytes)?;
            std::fs::rename(&partial, &target)?;
            written += 1;
        }
    }
    Ok(written)
}

/// The smallest files for a release (once per build, a few seconds); a debug build's wasm
/// is ten times larger and rebuilt often, so it gets a quick setting.
const BROTLI_QUALITY: u32 = if cfg!(debug_assertions) { 5 } else { 11 };

fn brotli_bytes(input: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, 22);
        writer.write_all(input)?;
        writer.flush()?;
    }
    Ok(out)
}

fn gzip_bytes(input: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(input)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_files_get_current_brotli_and_gzip_copies_once() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export function hello() { return 'hello'; }\n".repeat(200);
        std::fs::write(dir.path().join("app.js"), &js).unwrap();
        std::fs::write(dir.path().join("logo.png"), [0u8; 64]).unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 2);
        let br = std::fs::read(dir.path().join("app.js.br")).unwrap();
        let gz = std::fs::read(dir.path().join("app.js.gz")).unwrap();
        assert!(br.len() < js.len() / 20 && gz.len() < js.len() / 10, "{} {}", br.len(), gz.len());
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut unpacked).unwrap();
        assert_eq!(unpacked, js.as_bytes());
        assert!(!dir.path().join("logo.png.br").exists(), "images are compressed already");
        assert_eq!(precompress(dir.path()).unwrap(), 0, "current copies are kept");
        assert_eq!(precompress(&dir.path().join("missing")).unwrap(), 0);
    }
}
