//! `fake-openai [--port N] [--key KEY] [--reject-json-schema]`: the fake OpenAI server on
//! 127.0.0.1 for trying Docket's AI features by hand. Stops on Ctrl-C.

use std::net::SocketAddr;

use docket_fake_openai::FakeOpenAi;

const USAGE: &str = "usage: fake-openai [--port N] [--key KEY] [--reject-json-schema]";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut port = 0u16;
    let mut key = None;
    let mut reject_json_schema = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => exit(USAGE),
            },
            "--key" => key = args.next().or_else(|| exit(USAGE)),
            "--reject-json-schema" => reject_json_schema = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => exit(USAGE),
        }
    }
    let fake = match FakeOpenAi::start_on(SocketAddr::from(([127, 0, 0, 1], port))).await {
        Ok(fake) => fake,
        Err(e) => exit(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
    };
    fake.require_key(key.as_deref());
    fake.reject_json_schema(reject_json_schema);
    println!("fake OpenAI server at {}", fake.base_url());
    let _ = tokio::signal::ctrl_c().await;
}

fn exit(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}
