//! The checks of core fields that creates and updates share. Each adds its errors to
//! the list, so a request hears of every problem at once.

use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{MAX_TAG_LEN, MAX_TAGS, MAX_TITLE};
use crate::Result;
use crate::entities::team;

pub(super) fn normalize_tags(tags: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        let tag = t.trim().to_lowercase();
        if tag.is_empty()
            || tag.len() > MAX_TAG_LEN
            || tag.chars().any(|c| c.is_whitespace() || c == ',')
        {
            errors.push(FieldError {
                pointer: format!("/tags/{i}"),
                message: format!("tags are 1 to {MAX_TAG_LEN} characters without spaces or commas"),
            });
        } else if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        errors.push(FieldError {
            pointer: "/tags".into(),
            message: format!("at most {MAX_TAGS} tags"),
        });
    }
    out
}

pub(super) fn check_title(title: &str, errors: &mut Vec<FieldError>) {
    if title.trim().is_empty() {
        errors.push(FieldError {
            pointer: "/title".into(),
            message: "the title must not be empty".into(),
        });
    } else if title.chars().count() > MAX_TITLE {
        errors.push(FieldError {
            pointer: "/title".into(),
            message: format!("the title is longer than {MAX_TITLE} characters"),
        });
    }
}

/// A team's id by slug, or an error on `/team`.
pub(super) async fn team_id<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<i64>> {
    let found = team::Entity::find()
        .filter(team::Column::Slug.eq(slug))
        .one(conn)
        .await?;
    if found.is_none() {
        errors.push(FieldError {
            pointer: "/team".into(),
            message: format!("no team `{slug}`"),
        });
    }
    Ok(found.map(|t| t.id))
}

pub(super) async fn check_assignee<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    errors: &mut Vec<FieldError>,
) -> Result<()> {
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("users"))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .and_where(Expr::col(Alias::new("active")).eq(true))
        .to_owned();
    if conn.query_one(&stmt).await?.is_none() {
        errors.push(FieldError {
            pointer: "/assignee_id".into(),
            message: format!("no active user with id {id}"),
        });
    }
    Ok(())
}
