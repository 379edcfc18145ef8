use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_clocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub metric: String,
    pub cycle: i32,
    pub phase: String,
    pub started_at: DateTimeUtc,
    pub stopped_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    pub breached_at: Option<DateTimeUtc>,
    pub target_seconds: Option<i64>,
    pub elapsed_seconds: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
