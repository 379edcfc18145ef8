//! Who and what: the caller, users, teams and ticket types.

use docket_api::{Me, TeamOut, TypeDetail, TypeSummary, UserOut};

use crate::client::{Call, Client};
use crate::endpoints::*;
use crate::error::Result;

impl Client {
    /// The caller (the token's user and scopes): a cheap check that the token works.
    pub async fn me(&self) -> Result<Me> {
        self.call(&ME, Call::default(), None).await.map(|v| v.value)
    }

    pub async fn list_users(&self) -> Result<Vec<UserOut>> {
        self.call(&LIST_USERS, Call::default(), None)
            .await
            .map(|v| v.value)
    }

    pub async fn get_user(&self, id: i64) -> Result<UserOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&GET_USER, call, None).await.map(|v| v.value)
    }

    pub async fn list_teams(&self) -> Result<Vec<TeamOut>> {
        self.call(&LIST_TEAMS, Call::default(), None)
            .await
            .map(|v| v.value)
    }

    /// The ticket types the caller may see.
    pub async fn list_types(&self) -> Result<Vec<TypeSummary>> {
        self.call(&LIST_TYPES, Call::default(), None)
            .await
            .map(|v| v.value)
    }

    /// A type's workflow: its states, their categories and the allowed transitions.
    pub async fn type_workflow(&self, slug: &str) -> Result<docket_core::workflow::Workflow> {
        let call = Call {
            path: &[slug],
            ..Call::default()
        };
        self.call(&TYPE_WORKFLOW, call, None).await.map(|v| v.value)
    }

    /// A type with its JSON Schema and form hints, to validate and render forms.
    pub async fn get_type(&self, slug: &str) -> Result<TypeDetail> {
        let call = Call {
            path: &[slug],
            ..Call::default()
        };
        self.call(&GET_TYPE, call, None).await.map(|v| v.value)
    }
}
