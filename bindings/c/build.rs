//! Gives the shared library the SONAME it is installed under (`libchannel_kpi.so.0`), so programs
//! linked against it record the installed name rather than cargo's `libchannel_kpi_c.so`.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libchannel_kpi.so.{}", env!("CARGO_PKG_VERSION_MAJOR"));
    }
}
