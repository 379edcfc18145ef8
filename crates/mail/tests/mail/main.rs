//! docket-mail against realistic mail and real servers on loopback (aiosmtpd and
//! pymap from the workspace's .venv, started per test by `docket_mail::testing`).

mod corpus;
mod imap;
mod malformed;
mod noise;
mod parse;
mod replies;
mod send;
