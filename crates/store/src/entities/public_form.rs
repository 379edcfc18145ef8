use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "public_forms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub ticket_type: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub published: bool,
    pub intro: Option<String>,
    /// A JSON array of field names; None for all the type's fields.
    pub fields: Option<String>,
    pub per_address_per_hour: i32,
    pub per_email_per_hour: i32,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
