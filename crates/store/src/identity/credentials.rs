//! From a credential (an API token or a web session, found by its hash) to who it
//! belongs to. Authentication runs on every request, so the credential, its user and
//! the user's teams come back in one query (one row per team) instead of three.

use docket_core::access::{Principal, Role, Via};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, TableRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
};

use crate::Result;

/// The active user behind a credential, as a principal acting `via` it.
pub(super) struct Holder {
    user_id: i64,
    email: String,
    role: Role,
    teams: Vec<String>,
}

impl Holder {
    pub(super) fn acting(self, via: Via) -> Principal {
        Principal {
            user_id: self.user_id,
            email: self.email,
            role: self.role,
            teams: self.teams,
            via,
        }
    }
}

/// The credential row of `E` whose `hash_column` is `hash`, and its user if that user is
/// active. `E` has a `user_id` column.
pub(super) async fn find<E, C>(
    conn: &C,
    hash_column: E::Column,
    hash: String,
) -> Result<Option<(E::Model, Option<Holder>)>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let a = |table: &str, column: &str| Expr::col((Alias::new(table), Alias::new(column)));
    let table = E::default().table_name().to_string();
    let mut q = E::find().filter(hash_column.eq(hash)).into_query();
    q.left_join(
        TableRef::Table(Alias::new("users").into(), Some(Alias::new("u").into())),
        a("u", "id")
            .equals((Alias::new(&table), Alias::new("user_id")))
            .and(a("u", "active").eq(true)),
    )
    .left_join(
        TableRef::Table(
            Alias::new("team_members").into(),
            Some(Alias::new("m").into()),
        ),
        a("m", "user_id").equals((Alias::new("u"), Alias::new("id"))),
    )
    .left_join(
        TableRef::Table(Alias::new("teams").into(), Some(Alias::new("t").into())),
        a("t", "id").equals((Alias::new("m"), Alias::new("team_id"))),
    )
    .expr_as(a("u", "id"), Alias::new("holder_id"))
    .expr_as(a("u", "email"), Alias::new("holder_email"))
    .expr_as(a("u", "role"), Alias::new("holder_role"))
    .expr_as(a("t", "slug"), Alias::new("holder_team"));
    let rows = conn.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let credential = E::Model::from_query_result(first, "")?;
    let holder = match first.try_get::<Option<i64>>("", "holder_id")? {
        Some(user_id) => {
            let mut teams = Vec::new();
            for row in &rows {
                if let Some(slug) = row.try_get::<Option<String>>("", "holder_team")? {
                    teams.push(slug);
                }
            }
            teams.sort();
            let role: String = first.try_get("", "holder_role")?;
            Some(Holder {
                user_id,
                email: first.try_get("", "holder_email")?,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                teams,
            })
        }
        None => None,
    };
    Ok(Some((credential, holder)))
}
