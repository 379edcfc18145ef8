use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "requesters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub organization: Option<String>,
    /// The record this one was merged into (see the requester_memory migration).
    pub merged_into: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
