//! The Discord integration: panels and their deployments, staff account links,
//! transcripts and exit surveys.

use docket_api::{
    DiscordAccount, DiscordLinkCode, DiscordLinkRequest, PanelDeployment, PanelEligibility,
    PanelInput, PanelOut, SurveyInput, SurveyOut, TranscriptInput, TranscriptOut,
};

use crate::client::{Call, Client};
use crate::endpoints::*;
use crate::error::Result;

impl Client {
    pub async fn list_panels(&self) -> Result<Vec<PanelOut>> {
        self.call(&LIST_PANELS, Call::default(), None)
            .await
            .map(|v| v.value.items)
    }

    pub async fn get_panel(&self, id: i64) -> Result<PanelOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&GET_PANEL, call, None).await.map(|v| v.value)
    }

    /// Create a panel (admins).
    pub async fn create_panel(&self, panel: &PanelInput) -> Result<PanelOut> {
        self.call(&CREATE_PANEL, Call::default(), Some(panel))
            .await
            .map(|v| v.value)
    }

    /// Replace a panel (admins).
    pub async fn update_panel(&self, id: i64, panel: &PanelInput) -> Result<PanelOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&UPDATE_PANEL, call, Some(panel))
            .await
            .map(|v| v.value)
    }

    /// Ask for the panel to be (re)posted (admins); the adapter does it.
    pub async fn deploy_panel(&self, id: i64) -> Result<PanelOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&DEPLOY_PANEL, call, None).await.map(|v| v.value)
    }

    /// Record where the panel was posted.
    pub async fn put_panel_deployment(
        &self,
        id: i64,
        deployment: &PanelDeployment,
    ) -> Result<PanelOut> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        self.call(&PUT_PANEL_DEPLOYMENT, call, Some(deployment))
            .await
            .map(|v| v.value)
    }

    /// Whether the Discord user may open a ticket from the panel now.
    pub async fn panel_eligibility(&self, id: i64, discord_id: &str) -> Result<PanelEligibility> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            query: vec![("discord_id", discord_id.to_string())],
            ..Call::default()
        };
        self.call(&PANEL_ELIGIBILITY, call, None)
            .await
            .map(|v| v.value)
    }

    /// A code the Discord user enters in the web UI to link their account.
    pub async fn create_link_code(&self, request: &DiscordLinkRequest) -> Result<DiscordLinkCode> {
        self.call(&CREATE_LINK_CODE, Call::default(), Some(request))
            .await
            .map(|v| v.value)
    }

    /// The Docket user linked to a Discord account (`is_not_found` when none is).
    pub async fn discord_account(&self, discord_id: &str) -> Result<DiscordAccount> {
        let call = Call {
            path: &[discord_id],
            ..Call::default()
        };
        self.call(&DISCORD_ACCOUNT, call, None)
            .await
            .map(|v| v.value)
    }

    pub async fn get_transcript(&self, key: &str) -> Result<TranscriptOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&GET_TRANSCRIPT, call, None)
            .await
            .map(|v| v.value)
    }

    /// Save (or replace) a ticket's transcript.
    pub async fn put_transcript(
        &self,
        key: &str,
        transcript: &TranscriptInput,
    ) -> Result<TranscriptOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&PUT_TRANSCRIPT, call, Some(transcript))
            .await
            .map(|v| v.value)
    }

    pub async fn get_survey(&self, key: &str) -> Result<SurveyOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&GET_SURVEY, call, None).await.map(|v| v.value)
    }

    /// Record the requester's rating; a second answer is refused (`is_conflict`).
    pub async fn put_survey(&self, key: &str, survey: &SurveyInput) -> Result<SurveyOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&PUT_SURVEY, call, Some(survey))
            .await
            .map(|v| v.value)
    }
}
