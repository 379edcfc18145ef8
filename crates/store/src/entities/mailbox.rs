use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mailboxes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub address: String,
    pub ticket_type: String,
    pub default_priority: Option<String>,
    pub fields: String,
    pub imap_host: String,
    pub imap_port: i32,
    pub imap_security: String,
    pub imap_username: String,
    pub folder: String,
    pub move_to: Option<String>,
    pub use_idle: bool,
    pub poll_seconds: i32,
    pub sender_hourly_limit: i32,
    pub enabled: bool,
    pub uid_validity: Option<i64>,
    pub last_uid: Option<i64>,
    pub last_checked_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
