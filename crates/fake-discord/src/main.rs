//! `fake-discord [--port N] [--token TOKEN] [--heartbeat-ms N]`: the fake Discord on
//! 127.0.0.1 for trying the Discord adapter by hand. Prints where it is and the ids of
//! the pre-made guild, users and channels. Stops on Ctrl-C.

use std::time::Duration;

use docket_fake_discord::{FakeConfig, FakeDiscord};

const USAGE: &str = "usage: fake-discord [--port N] [--token TOKEN] [--heartbeat-ms N]";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut config = FakeConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => config.port = p,
                None => exit(USAGE),
            },
            "--token" => config.bot_token = Some(args.next().unwrap_or_else(|| exit(USAGE))),
            "--heartbeat-ms" => match args.next().and_then(|p| p.parse().ok()) {
                Some(ms) => config.heartbeat_interval = Duration::from_millis(ms),
                None => exit(USAGE),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => exit(USAGE),
        }
    }
    let port = config.port;
    let fake = match FakeDiscord::try_start(config).await {
        Ok(fake) => fake,
        Err(e) => exit(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
    };
    let ids = fake.ids();
    println!(
        "fake Discord at {} (REST {}, gateway {})",
        fake.proxy(),
        fake.api_base(),
        fake.gateway_url()
    );
    println!("bot token: {}", fake.bot_token());
    println!("interaction public key: {}", fake.signer().public_key_hex());
    println!("{ids:#?}");
    let _ = tokio::signal::ctrl_c().await;
}

fn exit(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}
