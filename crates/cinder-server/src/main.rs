//! The `cinder` binary: parses configuration, sets up logging, runs the server.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    cinder_server::config::reject_unknown_cinder_vars()?;
    let config = cinder_server::config::Config::parse();
    cinder_server::init_tracing(config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(cinder_server::run(config))
}
