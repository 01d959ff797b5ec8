// Lets binaries and tests find DuckDB's shared library at run time: next to the executable
// (`$ORIGIN`, for an installed copy) or where the build linked it (`DUCKDB_LIB_DIR`, set by
// `.cargo/config.toml` to the folder `scripts/fetch-duckdb.sh` fills). The server, bench,
// storage and BigQuery crates (whose tests compare with the embedded engine) share this file.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN");
    let Ok(dir) = std::env::var("DUCKDB_LIB_DIR") else {
        return;
    };
    if !Path::new(&dir).join("libduckdb.so").exists() && !Path::new(&dir).join("libduckdb.dylib").exists() {
        println!("cargo:warning=DuckDB's library is not in {dir}: run scripts/fetch-duckdb.sh first");
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}
