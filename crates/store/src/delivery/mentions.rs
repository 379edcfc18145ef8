//! Who `@mentions` name (the words are found by `docket_core::mentions`): `@ada@example.com`
//! the staff user with that email, `@ada` the one whose email's local part is `ada` (when
//! exactly one active user has it). A mentioned user hears of the comment only when they may see the ticket's type,
//! so a mention never leaks another team's ticket.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::Result;
use crate::entities::{team, team_member, user};

/// Active staff users as mentions see them.
pub(crate) struct Directory {
    users: Vec<user::Model>,
    /// Team slugs per user.
    teams: HashMap<i64, Vec<String>>,
}

impl Directory {
    pub(crate) async fn load<C: ConnectionTrait>(conn: &C) -> Result<Directory> {
        let users = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .all(conn)
            .await?;
        let slugs: HashMap<i64, String> = team::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t.slug))
            .collect();
        let mut teams: HashMap<i64, Vec<String>> = HashMap::new();
        for m in team_member::Entity::find().all(conn).await? {
            if let Some(slug) = slugs.get(&m.team_id) {
                teams.entry(m.user_id).or_default().push(slug.clone());
            }
        }
        Ok(Directory { users, teams })
    }

    /// The users `words` name who may see tickets of a type handled by `type_teams`.
    pub(crate) fn resolve(&self, words: &[String], type_teams: &[String]) -> Vec<&user::Model> {
        let mut found: Vec<&user::Model> = Vec::new();
        for word in words {
            let by_email = self
                .users
                .iter()
                .find(|u| u.email.eq_ignore_ascii_case(word));
            let user = by_email.or_else(|| {
                let mut local = self.users.iter().filter(|u| {
                    u.email
                        .rsplit_once('@')
                        .is_some_and(|(l, _)| l.eq_ignore_ascii_case(word))
                });
                match (local.next(), local.next()) {
                    (Some(u), None) => Some(u),
                    _ => None,
                }
            });
            if let Some(u) = user
                && self.sees(u, type_teams)
                && !found.iter().any(|f| f.id == u.id)
            {
                found.push(u);
            }
        }
        found
    }

    fn sees(&self, u: &user::Model, type_teams: &[String]) -> bool {
        u.role == "admin"
            || self
                .teams
                .get(&u.id)
                .is_some_and(|mine| type_teams.iter().any(|t| mine.contains(t)))
    }
}
