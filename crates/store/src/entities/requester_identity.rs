use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "requester_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub requester_id: i64,
    pub kind: String,
    pub value: String,
    /// The visibility scope of the requester record (see the requester_scopes migration).
    pub scope: String,
    pub created_at: DateTimeUtc,
    /// How the identity is shown (a Discord member's name beside their id).
    pub label: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
