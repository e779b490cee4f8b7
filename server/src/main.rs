//! Starts Switchboard: read the configuration, build the application, serve until stopped.

use server::{config::Config, Application};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::telemetry::init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match Application::build(config).await {
        Ok(app) => {
            tracing::info!(address = %app.address(), "Switchboard is serving");
            if let Err(e) = app.run_until_stopped().await {
                tracing::error!(error = %e, "server stopped with an error");
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("could not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
