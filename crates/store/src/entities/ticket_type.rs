use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_types")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub version: i32,
    pub name: String,
    pub key_prefix: String,
    /// The TypeDefinition as JSON.
    pub definition: String,
    /// The extension table's columns after this version, as JSON.
    pub columns: String,
    pub source: String,
    pub source_path: Option<String>,
    pub source_text: Option<String>,
    pub checksum: String,
    /// The statements this version ran, as a JSON array of strings.
    pub ddl: String,
    /// The plan's changes, as JSON.
    pub changes: String,
    pub applied_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
