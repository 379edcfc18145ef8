use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_escalations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub metric: String,
    pub cycle: i32,
    pub threshold: String,
    pub reached_at: DateTimeUtc,
    pub fired_at: DateTimeUtc,
    pub fired_by: String,
    pub superseded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
