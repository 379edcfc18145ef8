use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub kind: String,
    pub body: String,
    pub author_user_id: Option<i64>,
    pub author_requester_id: Option<i64>,
    pub author_name: Option<String>,
    pub channel: String,
    pub created_at: DateTimeUtc,
    pub external_ref: Option<String>,
    pub written_by: Option<String>,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
