//! SLA policies and business calendars: stored as the JSON admins sent (checked by
//! docket-core), with name, position and enabled in columns for ordering. A change
//! recomputes the clocks of every ticket whose clocks are still open.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use docket_core::sla::calendar::Calendar;
use docket_core::sla::policy::PolicySpec;
use docket_core::sla::spec::{CalendarSpec, HolidaySpec};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::entities::{sla_calendar, sla_policy};
use crate::identity::{Actor, audit};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredCalendar {
    pub id: i64,
    pub name: String,
    pub spec: CalendarSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredPolicy {
    pub id: i64,
    pub spec: PolicySpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored {what} does not parse: {e}"))
}

fn to_calendar(m: sla_calendar::Model) -> Result<StoredCalendar> {
    Ok(StoredCalendar {
        spec: serde_json::from_str(&m.spec).map_err(|e| corrupt("calendar", e))?,
        id: m.id,
        name: m.name,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_policy(m: sla_policy::Model) -> Result<StoredPolicy> {
    Ok(StoredPolicy {
        spec: serde_json::from_str(&m.spec).map_err(|e| corrupt("policy", e))?,
        id: m.id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Every policy with its id, in the order they are tried.
pub(crate) async fn load_policies<C: ConnectionTrait>(conn: &C) -> Result<Vec<(i64, PolicySpec)>> {
    sla_policy::Entity::find()
        .order_by_asc(sla_policy::Column::Position)
        .order_by_asc(sla_policy::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| to_policy(m).map(|p| (p.id, p.spec)))
        .collect()
}

/// The calendars of these names, ready for arithmetic, in one query; names with no
/// calendar are left out.
pub(crate) async fn load_calendars<C: ConnectionTrait>(
    conn: &C,
    names: &BTreeSet<String>,
) -> Result<BTreeMap<String, Calendar>> {
    if names.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut calendars = BTreeMap::new();
    for row in sla_calendar::Entity::find()
        .filter(sla_calendar::Column::Name.is_in(names))
        .all(conn)
        .await?
    {
        let name = row.name.clone();
        let calendar = to_calendar(row)?.spec.to_calendar().map_err(|errors| {
            StoreError::Internal(format!(
                "stored calendar {name} is invalid: {}",
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.pointer, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        calendars.insert(name, calendar);
    }
    Ok(calendars)
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(StoreError::invalid(
            "/name",
            "names are 1 to 100 letters, digits, `_`, `-` or `.`",
        ));
    }
    Ok(())
}

impl Store {
    pub async fn calendars(&self) -> Result<Vec<StoredCalendar>> {
        sla_calendar::Entity::find()
            .order_by_asc(sla_calendar::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_calendar)
            .collect()
    }

    pub async fn calendar(&self, name: &str) -> Result<StoredCalendar> {
        let row = sla_calendar::Entity::find()
            .filter(sla_calendar::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("calendar {name}")))?;
        to_calendar(row)
    }

    /// Create or replace a calendar; true when it was created. Clocks under policies
    /// that use it are recomputed.
    pub async fn put_calendar(
        &self,
        name: &str,
        spec: CalendarSpec,
        actor: &Actor,
    ) -> Result<(StoredCalendar, bool)> {
        check_name(name)?;
        spec.to_calendar().map_err(StoreError::Invalid)?;
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let existing = sla_calendar::Entity::find()
            .filter(sla_calendar::Column::Name.eq(name))
            .one(&txn)
            .await?;
        let text = serde_json::to_string(&spec).expect("calendars serialize");
        let created = existing.is_none();
        let row = match existing {
            Some(row) => {
                let mut am: sla_calendar::ActiveModel = row.into();
                am.spec = Set(text);
                am.updated_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                sla_calendar::ActiveModel {
                    name: Set(name.to_string()),
                    spec: Set(text),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        audit(
            &txn,
            self.clock.now(),
            actor,
            if created {
                "calendar.create"
            } else {
                "calendar.update"
            },
            &format!("calendar:{name}"),
            json!(spec),
        )
        .await?;
        if !created {
            super::request_recompute(&txn, now).await?;
        }
        txn.commit().await?;
        if !created {
            self.recompute_open_clocks(now).await;
        }
        Ok((to_calendar(row)?, created))
    }

    /// Add holidays (from an iCalendar import) to a calendar, or replace its holidays;
    /// returns the calendar and how many holidays it did not have yet. Read, merged and
    /// written under the calendar's row lock, so a concurrent edit is not lost.
    pub async fn import_holidays(
        &self,
        name: &str,
        holidays: Vec<HolidaySpec>,
        replace: bool,
        actor: &Actor,
    ) -> Result<(StoredCalendar, usize)> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = sla_calendar::Entity::find()
            .filter(sla_calendar::Column::Name.eq(name))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("calendar {name}")))?;
        let mut spec = to_calendar(row.clone())?.spec;
        if replace {
            spec.holidays.clear();
        }
        let before = spec.holidays.len();
        for h in holidays {
            if !spec
                .holidays
                .iter()
                .any(|k| k.date == h.date && k.yearly == h.yearly)
            {
                spec.holidays.push(h);
            }
        }
        let added = spec.holidays.len() - before;
        spec.to_calendar().map_err(StoreError::Invalid)?;
        let mut am: sla_calendar::ActiveModel = row.into();
        am.spec = Set(serde_json::to_string(&spec).expect("calendars serialize"));
        am.updated_at = Set(now);
        let row = am.update(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "calendar.import",
            &format!("calendar:{name}"),
            json!({"added": added, "replace": replace}),
        )
        .await?;
        super::request_recompute(&txn, now).await?;
        txn.commit().await?;
        self.recompute_open_clocks(now).await;
        Ok((to_calendar(row)?, added))
    }

    /// Delete a calendar no policy uses.
    pub async fn delete_calendar(&self, name: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        // Locked before the policies are read, so a policy taking it up meanwhile is
        // either seen below or finds the calendar gone.
        let row = sla_calendar::Entity::find()
            .filter(sla_calendar::Column::Name.eq(name))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("calendar {name}")))?;
        let users: Vec<String> = load_policies(&txn)
            .await?
            .into_iter()
            .filter(|(_, p)| p.calendar.as_deref() == Some(name))
            .map(|(_, p)| p.name)
            .collect();
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "calendar {name} is used by the policies {}; change them first",
                users.join(", ")
            )));
        }
        sla_calendar::Entity::delete_by_id(row.id)
            .exec(&txn)
            .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "calendar.delete",
            &format!("calendar:{name}"),
            serde_json::Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Policies in the order they are tried.
    pub async fn policies(&self) -> Result<Vec<StoredPolicy>> {
        sla_policy::Entity::find()
            .order_by_asc(sla_policy::Column::Position)
            .order_by_asc(sla_policy::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_policy)
            .collect()
    }

    pub async fn policy(&self, name: &str) -> Result<StoredPolicy> {
        let row = sla_policy::Entity::find()
            .filter(sla_policy::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("policy {name}")))?;
        to_policy(row)
    }

    /// Create or replace a policy (its name is `name`); true when it was created. Every
    /// ticket with open clocks is re-evaluated: the policy may now select it or not.
    pub async fn put_policy(
        &self,
        name: &str,
        mut spec: PolicySpec,
        actor: &Actor,
    ) -> Result<(StoredPolicy, bool)> {
        check_name(name)?;
        spec.name = name.to_string();
        let errors = spec.check();
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        if let Some(cal) = &spec.calendar {
            // Held until commit: a concurrent delete of the calendar waits for this
            // policy, then sees it and refuses.
            let exists = sla_calendar::Entity::find()
                .filter(sla_calendar::Column::Name.eq(cal.as_str()))
                .lock_shared()
                .one(&txn)
                .await?
                .is_some();
            if !exists {
                return Err(StoreError::invalid(
                    "/calendar",
                    format!("no calendar named `{cal}`"),
                ));
            }
        }
        let existing = sla_policy::Entity::find()
            .filter(sla_policy::Column::Name.eq(name))
            .one(&txn)
            .await?;
        let text = serde_json::to_string(&spec).expect("policies serialize");
        let created = existing.is_none();
        let row = match existing {
            Some(row) => {
                let mut am: sla_policy::ActiveModel = row.into();
                am.spec = Set(text);
                am.position = Set(spec.position);
                am.enabled = Set(spec.enabled);
                am.updated_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                sla_policy::ActiveModel {
                    name: Set(name.to_string()),
                    position: Set(spec.position),
                    enabled: Set(spec.enabled),
                    spec: Set(text),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        audit(
            &txn,
            self.clock.now(),
            actor,
            if created {
                "policy.create"
            } else {
                "policy.update"
            },
            &format!("policy:{name}"),
            json!(spec),
        )
        .await?;
        super::request_recompute(&txn, now).await?;
        txn.commit().await?;
        self.recompute_open_clocks(now).await;
        Ok((to_policy(row)?, created))
    }

    pub async fn delete_policy(&self, name: &str, actor: &Actor) -> Result<()> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = sla_policy::Entity::find()
            .filter(sla_policy::Column::Name.eq(name))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("policy {name}")))?;
        sla_policy::Entity::delete_by_id(row.id).exec(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "policy.delete",
            &format!("policy:{name}"),
            serde_json::Value::Null,
        )
        .await?;
        super::request_recompute(&txn, now).await?;
        txn.commit().await?;
        self.recompute_open_clocks(now).await;
        Ok(())
    }
}
