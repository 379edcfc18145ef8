//! One error type for the adapter: what Docket refused or could not answer, what Discord
//! refused, and what the adapter itself was given wrong.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Docket: {0}")]
    Docket(#[from] docket_client::ClientError),
    #[error("Discord: {0}")]
    Discord(#[from] twilight_http::Error),
    #[error("Discord answer: {0}")]
    DiscordBody(#[from] twilight_http::response::DeserializeBodyError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot download {url}: {reason}")]
    Download { url: String, reason: String },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Worth trying again later: Docket down or Discord unreachable, not a refusal.
    pub fn is_retryable(&self) -> bool {
        match self {
            // Docket's own rate limit passes too.
            Error::Docket(e) => e.is_retryable() || e.status() == Some(429),
            Error::Discord(e) => {
                matches!(
                    e.kind(),
                    twilight_http::error::ErrorType::RequestError
                        | twilight_http::error::ErrorType::RequestTimedOut
                ) || matches!(
                    e.kind(),
                    twilight_http::error::ErrorType::Response { status, .. } if status.get() >= 500
                )
            }
            Error::Download { .. } => true,
            _ => false,
        }
    }

    /// Discord answered 404 (the channel or message is gone).
    pub fn is_discord_not_found(&self) -> bool {
        matches!(self, Error::Discord(e) if discord_not_found(e))
    }

    /// Docket answered 404.
    pub fn is_docket_not_found(&self) -> bool {
        matches!(self, Error::Docket(e) if e.is_not_found())
    }
}

/// Discord answered 404: the channel, message or interaction is unknown.
pub fn discord_not_found(e: &twilight_http::Error) -> bool {
    matches!(
        e.kind(),
        twilight_http::error::ErrorType::Response { status, .. } if status.get() == 404
    )
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
