//! Replays every committed seed (`fuzz/seeds/<target>/`) and every input that once crashed a
//! target (`fuzz/regressions/<target>/`) through the harness, with a stable toolchain: a fixed
//! crash stays fixed without nightly or libFuzzer. Run by `scripts/ci/fuzz.sh`.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("load_csv", channel_kpi_fuzz_harness::load_csv),
    ("load_jsonl", channel_kpi_fuzz_harness::load_jsonl),
    ("period", channel_kpi_fuzz_harness::period),
    ("query", channel_kpi_fuzz_harness::query),
    ("c_api", channel_kpi_fuzz_harness::c_api),
    ("render", channel_kpi_fuzz_harness::render),
];

/// Replays `dir/<target>/*`; `FUZZ_REPLAY_TARGETS=c_api,period` limits the targets (for slow
/// runners such as Miri: `MIRIFLAGS=-Zmiri-disable-isolation cargo +nightly miri test`).
fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let only = std::env::var("FUZZ_REPLAY_TARGETS").ok();
    let mut n = 0;
    for (name, run) in TARGETS {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|t| t == *name)) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(root.join(name)) else { continue };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            eprintln!("{name}: {}", f.display());
            run(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn seeds_run_cleanly() {
    let n = replay("seeds");
    assert!(n >= 100 || std::env::var("FUZZ_REPLAY_TARGETS").is_ok(), "the seed corpus went missing ({n} seeds)");
}

#[test]
fn inputs_that_once_crashed_stay_fixed() {
    replay("regressions");
}
