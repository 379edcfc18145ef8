//! Requesters: search, profiles, the context card agents see beside a ticket, and staff
//! notes.

use docket_api::{
    NoteInput, NoteOut, NotePage, RequesterCardOut, RequesterPage, RequesterProfileOut,
};

use crate::client::{Call, Client};
use crate::endpoints::*;
use crate::error::Result;

/// The filters of `GET /requesters`.
#[derive(Debug, Clone, Default)]
pub struct RequesterQuery {
    /// Matches names, emails and identities (a Discord id, say).
    pub q: Option<String>,
    pub organization: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl Client {
    /// One page of requesters.
    pub async fn list_requesters(&self, query: &RequesterQuery) -> Result<RequesterPage> {
        let mut q = Vec::new();
        for (name, v) in [
            ("q", query.q.clone()),
            ("organization", query.organization.clone()),
            ("limit", query.limit.map(|l| l.to_string())),
            ("cursor", query.cursor.clone()),
        ] {
            if let Some(v) = v {
                q.push((name, v));
            }
        }
        let call = Call {
            query: q,
            ..Call::default()
        };
        self.call(&LIST_REQUESTERS, call, None)
            .await
            .map(|v| v.value)
    }

    /// A requester's profile: identities, counts, topics.
    pub async fn get_requester(&self, id: i64) -> Result<RequesterProfileOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&GET_REQUESTER, call, None).await.map(|v| v.value)
    }

    /// The requester's context card; `exclude` leaves out one ticket (the one on screen).
    pub async fn requester_card(&self, id: i64, exclude: Option<&str>) -> Result<RequesterCardOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            query: exclude
                .map(|k| ("exclude", k.to_string()))
                .into_iter()
                .collect(),
            ..Call::default()
        };
        self.call(&REQUESTER_CARD, call, None)
            .await
            .map(|v| v.value)
    }

    /// Staff notes on a requester, newest first.
    pub async fn list_notes(&self, id: i64, limit: Option<u32>) -> Result<NotePage> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            query: limit
                .map(|l| ("limit", l.to_string()))
                .into_iter()
                .collect(),
            ..Call::default()
        };
        self.call(&LIST_NOTES, call, None).await.map(|v| v.value)
    }

    /// Add a staff note. Like comments, resent only when the server surely did not get it.
    pub async fn add_note(&self, id: i64, note: &NoteInput) -> Result<NoteOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&ADD_NOTE, call, Some(note))
            .await
            .map(|v| v.value)
    }
}
