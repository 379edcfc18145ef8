//! Saved queue views: a name for a ticket-list query string, kept per user; admins may
//! share one with everybody. The query is checked by the API (it parses it the way the
//! list does) before it reaches here.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entities::saved_view;
use crate::identity::check_name;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct SavedView {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub query: String,
    pub shared: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change to a view; absent members stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ViewPatch {
    pub name: Option<String>,
    pub query: Option<String>,
    pub shared: Option<bool>,
}

/// The longest query a view keeps (a URL's worth).
pub const MAX_QUERY_LEN: usize = 4096;

impl From<saved_view::Model> for SavedView {
    fn from(m: saved_view::Model) -> Self {
        SavedView {
            id: m.id,
            owner_id: m.owner_id,
            name: m.name,
            query: m.query,
            shared: m.shared,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn check(name: Option<&str>, query: Option<&str>) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(name) = name {
        check_name(name, "/name", &mut errors);
    }
    if query.is_some_and(|q| q.len() > MAX_QUERY_LEN) {
        errors.push(docket_core::typedef::FieldError {
            pointer: "/query".into(),
            message: format!("at most {MAX_QUERY_LEN} characters"),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

impl Store {
    /// The user's own views and every shared one, by name.
    pub async fn views_for(&self, user_id: i64) -> Result<Vec<SavedView>> {
        Ok(saved_view::Entity::find()
            .filter(
                Condition::any()
                    .add(saved_view::Column::OwnerId.eq(user_id))
                    .add(saved_view::Column::Shared.eq(true)),
            )
            .order_by_asc(saved_view::Column::Name)
            .order_by_asc(saved_view::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(SavedView::from)
            .collect())
    }

    pub async fn view(&self, id: i64) -> Result<SavedView> {
        saved_view::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(SavedView::from)
            .ok_or_else(|| StoreError::NotFound(format!("view {id}")))
    }

    pub async fn create_view(
        &self,
        owner_id: i64,
        name: &str,
        query: &str,
        shared: bool,
    ) -> Result<SavedView> {
        check(Some(name), Some(query))?;
        let txn = self.begin_write().await?;
        let name = name.trim();
        if name_taken(&txn, owner_id, name, None).await? {
            return Err(StoreError::Conflict(format!(
                "you already have a view named `{name}`"
            )));
        }
        let at = self.clock.now();
        let model = saved_view::ActiveModel {
            owner_id: Set(owner_id),
            name: Set(name.to_string()),
            query: Set(query.to_string()),
            shared: Set(shared),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| name_clash(e, name))?;
        txn.commit().await?;
        Ok(model.into())
    }

    pub async fn update_view(&self, id: i64, patch: ViewPatch) -> Result<SavedView> {
        check(patch.name.as_deref(), patch.query.as_deref())?;
        let txn = self.begin_write().await?;
        let current = saved_view::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("view {id}")))?;
        let mut model: saved_view::ActiveModel = current.clone().into();
        if let Some(name) = &patch.name {
            let name = name.trim();
            if name_taken(&txn, current.owner_id, name, Some(id)).await? {
                return Err(StoreError::Conflict(format!(
                    "a view named `{name}` exists"
                )));
            }
            model.name = Set(name.to_string());
        }
        if let Some(query) = patch.query {
            model.query = Set(query);
        }
        if let Some(shared) = patch.shared {
            model.shared = Set(shared);
        }
        model.updated_at = Set(self.clock.now());
        let name = patch
            .name
            .as_deref()
            .unwrap_or(&current.name)
            .trim()
            .to_string();
        let model = model.update(&txn).await.map_err(|e| name_clash(e, &name))?;
        txn.commit().await?;
        Ok(model.into())
    }

    pub async fn delete_view(&self, id: i64) -> Result<()> {
        let gone = saved_view::Entity::delete_by_id(id).exec(&self.db).await?;
        if gone.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("view {id}")));
        }
        Ok(())
    }
}

/// Two saves of one name at the same moment both pass `name_taken`; the unique index
/// stops the second, which is a conflict like any other, not a server error.
fn name_clash(e: sea_orm::DbErr, name: &str) -> StoreError {
    if crate::error::is_unique_violation(&e) {
        StoreError::Conflict(format!("a view named `{name}` exists"))
    } else {
        e.into()
    }
}

async fn name_taken<C: sea_orm::ConnectionTrait>(
    conn: &C,
    owner_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<bool> {
    let mut q = saved_view::Entity::find()
        .filter(saved_view::Column::OwnerId.eq(owner_id))
        .filter(saved_view::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(saved_view::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}
