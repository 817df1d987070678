//! Gives the shared library the SONAME it is installed under (`libchannel_kpi.so.N`, N =
//! `CKPI_ABI_VERSION` in src/lib.rs — the ABI version, not the package version), so programs
//! linked against it record the installed name rather than cargo's `libchannel_kpi_c.so`, and the
//! dynamic loader refuses a library of another ABI.
fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    let lib = std::fs::read_to_string("src/lib.rs").expect("read src/lib.rs");
    let abi: u32 = lib
        .lines()
        .find_map(|l| l.strip_prefix("pub const CKPI_ABI_VERSION: u32 = ")?.strip_suffix(';')?.parse().ok())
        .expect("src/lib.rs defines `pub const CKPI_ABI_VERSION: u32 = N;`");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libchannel_kpi.so.{abi}");
    }
}
