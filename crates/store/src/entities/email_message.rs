use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub message_id: String,
    pub direction: String,
    pub mailbox_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub suppress_replies: bool,
    pub full_text: Option<String>,
    pub html: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
