#![no_main]
//! See channel_kpi_fuzz_harness::load_jsonl.
libfuzzer_sys::fuzz_target!(|data: &[u8]| channel_kpi_fuzz_harness::load_jsonl(data));
