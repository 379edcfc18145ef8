use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub key: String,
    pub number: i64,
    pub type_slug: String,
    pub type_version: i32,
    pub title: String,
    pub body: String,
    pub status: String,
    pub status_category: String,
    pub priority: String,
    pub requester_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub source_channel: String,
    pub source_ref: Option<String>,
    pub fingerprint: Option<String>,
    pub search_text: String,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub first_response_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub sla_policy_id: Option<i64>,
    pub first_response_due_at: Option<DateTimeUtc>,
    pub next_response_due_at: Option<DateTimeUtc>,
    pub resolution_due_at: Option<DateTimeUtc>,
    /// The earliest of the three due times: what "breaching soon" sorts on.
    pub sla_due_at: Option<DateTimeUtc>,
    /// The ticket's summary as JSON text (`tickets::summary`).
    pub summary: Option<String>,
    /// The latest triage suggestion as JSON text (`docket_core::ai::TriageSuggestion`).
    pub triage: Option<String>,
    /// The key of a recent ticket of the same requester this one reads like
    /// (`docket_core::duplicates`), until staff merge or dismiss it.
    pub possible_duplicate_of: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
