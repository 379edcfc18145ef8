use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mailbox_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mailbox_id: i64,
    pub received_at: DateTimeUtc,
    pub outcome: String,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub ticket_key: Option<String>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
