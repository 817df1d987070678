//! Generates the C header from the `channel-kpi-c` crate with cbindgen (run as a library, so the
//! version is pinned by Cargo.lock and no cbindgen build-dependency slows down other builds).
//!
//! ```sh
//! cargo run -p channel-kpi-c-gen-header            # writes include/channel_kpi.h
//! cargo run -p channel-kpi-c-gen-header -- --check # exits 1 when the committed header differs
//! cargo run -p channel-kpi-c-gen-header -- --out /tmp/h.h
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let crate_dir = root.join("bindings/c");
    let header = root.join("include/channel_kpi.h");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).map(PathBuf::from);

    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gen-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gen-header: cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut text = Vec::new();
    bindings.write(&mut text);

    if check {
        let committed = std::fs::read(&header).unwrap_or_default();
        if committed != text {
            eprintln!("gen-header: {} is out of date: run `cargo run -p channel-kpi-c-gen-header` and commit it", header.display());
            return ExitCode::FAILURE;
        }
        println!("gen-header: {} is up to date", header.display());
        return ExitCode::SUCCESS;
    }
    let target = out.unwrap_or(header);
    if let Err(e) = std::fs::write(&target, &text) {
        eprintln!("gen-header: cannot write {}: {e}", target.display());
        return ExitCode::FAILURE;
    }
    println!("gen-header: wrote {}", target.display());
    ExitCode::SUCCESS
}
