//! Build settings that come from the environment: `LOCALSPEND_E2E=1` builds
//! the browser journeys to run (`cfg(e2e)`); without it they are reported as
//! ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(e2e)");
    println!("cargo::rerun-if-env-changed=LOCALSPEND_E2E");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("LOCALSPEND_E2E").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=e2e");
    }
}
