//! Public forms: a ticket type an admin publishes, with its own address (slug), an
//! introduction, the fields it shows and how many tickets one address or one email may
//! create an hour. One form per type; unpublished forms answer as unknown ones do.

use chrono::{DateTime, Utc};
use docket_core::typedef::{CompiledType, FieldError, is_identifier};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::entities::public_form;
use crate::identity::{Actor, audit};
use crate::{Result, Store, StoreError};

pub const DEFAULT_PER_ADDRESS_PER_HOUR: u32 = 20;
pub const DEFAULT_PER_EMAIL_PER_HOUR: u32 = 5;
pub const MAX_INTRO: usize = 10_000;
const MAX_PER_HOUR: u32 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct PublicForm {
    pub ticket_type: String,
    pub slug: String,
    pub published: bool,
    pub intro: Option<String>,
    /// The fields shown, in the type's order; None: every field requesters may fill.
    pub fields: Option<Vec<String>>,
    pub per_address_per_hour: u32,
    pub per_email_per_hour: u32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// What an admin sets (the whole form at once).
#[derive(Debug, Clone, Default)]
pub struct PublicFormSettings {
    pub slug: String,
    pub published: bool,
    pub intro: Option<String>,
    pub fields: Option<Vec<String>>,
    pub per_address_per_hour: Option<u32>,
    pub per_email_per_hour: Option<u32>,
}

impl PublicForm {
    /// The type's fields this form shows: those named, else every field a requester may
    /// fill (all but `readOnly` ones).
    pub fn shown_fields(&self, ty: &CompiledType) -> Vec<String> {
        let fillable = fillable_fields(ty);
        match &self.fields {
            Some(names) => fillable.into_iter().filter(|f| names.contains(f)).collect(),
            None => fillable,
        }
    }

    /// The type's schema cut to the shown fields (their `required` too).
    pub fn schema(&self, ty: &CompiledType) -> Value {
        let shown = self.shown_fields(ty);
        let mut schema = ty.definition.schema.clone();
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            props.retain(|name, _| shown.contains(name));
        }
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r.as_str().is_some_and(|r| shown.iter().any(|s| s == r)));
        }
        schema
    }

    /// The type's form hints with `ui:order` cut to the shown fields.
    pub fn ui(&self, ty: &CompiledType) -> Option<Value> {
        let shown = self.shown_fields(ty);
        let mut ui = ty.definition.ui.clone()?;
        if let Some(order) = ui.get_mut("ui:order").and_then(Value::as_array_mut) {
            order.retain(|f| {
                f.as_str()
                    .is_some_and(|f| f == "*" || shown.iter().any(|s| s == f))
            });
        }
        Some(ui)
    }
}

/// The type's fields in schema order, without those marked `readOnly`.
fn fillable_fields(ty: &CompiledType) -> Vec<String> {
    ty.definition
        .schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| p.get("readOnly") != Some(&Value::Bool(true)))
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A field the form hides must not be one the ticket cannot do without.
fn check_settings(settings: &PublicFormSettings, ty: &CompiledType) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |pointer: &str, message: String| {
        errors.push(FieldError {
            pointer: pointer.into(),
            message,
        })
    };
    if !is_identifier(&settings.slug) || settings.slug.len() > 64 {
        push(
            "/slug",
            "lower-case letters, digits and _, starting with a letter, at most 64".into(),
        );
    }
    if settings
        .intro
        .as_ref()
        .is_some_and(|i| i.chars().count() > MAX_INTRO)
    {
        push("/intro", format!("at most {MAX_INTRO} characters"));
    }
    for (pointer, value) in [
        ("/per_address_per_hour", settings.per_address_per_hour),
        ("/per_email_per_hour", settings.per_email_per_hour),
    ] {
        if value.is_some_and(|v| v == 0 || v > MAX_PER_HOUR) {
            push(pointer, format!("between 1 and {MAX_PER_HOUR}"));
        }
    }
    let fillable = fillable_fields(ty);
    if let Some(names) = &settings.fields {
        for (i, name) in names.iter().enumerate() {
            if !fillable.contains(name) {
                push(
                    &format!("/fields/{i}"),
                    format!("`{name}` is not a field of the type that requesters may fill"),
                );
            }
        }
        let defaults = ty.with_defaults(&json!({}));
        let required = ty
            .definition
            .schema
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in required.iter().filter_map(Value::as_str) {
            if !names.iter().any(|n| n == r) && defaults.get(r).is_none() {
                push(
                    "/fields",
                    format!("`{r}` is required and has no default: the form must show it"),
                );
            }
        }
    }
    errors
}

fn from_row(m: public_form::Model) -> PublicForm {
    PublicForm {
        ticket_type: m.ticket_type,
        slug: m.slug,
        published: m.published,
        intro: m.intro,
        fields: m.fields.and_then(|f| serde_json::from_str(&f).ok()),
        per_address_per_hour: m.per_address_per_hour.max(1) as u32,
        per_email_per_hour: m.per_email_per_hour.max(1) as u32,
        updated_by: m.updated_by,
        updated_at: m.updated_at,
    }
}

impl Store {
    /// The public form of a type, if it ever had one.
    pub async fn public_form_of_type(&self, type_slug: &str) -> Result<Option<PublicForm>> {
        Ok(public_form::Entity::find()
            .filter(public_form::Column::TicketType.eq(type_slug))
            .one(&self.db)
            .await?
            .map(from_row))
    }

    /// The published forms whose types exist, by slug.
    pub async fn published_forms(&self) -> Result<Vec<PublicForm>> {
        Ok(public_form::Entity::find()
            .filter(public_form::Column::Published.eq(true))
            .order_by_asc(public_form::Column::Slug)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .filter(|f| self.registry.get(&f.ticket_type).is_some())
            .collect())
    }

    /// A published form by its slug; an unpublished or unknown one is not found alike.
    pub async fn published_form(&self, slug: &str) -> Result<PublicForm> {
        public_form::Entity::find()
            .filter(public_form::Column::Slug.eq(slug))
            .filter(public_form::Column::Published.eq(true))
            .one(&self.db)
            .await?
            .map(from_row)
            .filter(|f| self.registry.get(&f.ticket_type).is_some())
            .ok_or_else(|| StoreError::NotFound(format!("form `{slug}`")))
    }

    /// Set a type's public form (an admin's; audited).
    pub async fn set_public_form(
        &self,
        type_slug: &str,
        settings: PublicFormSettings,
        actor: &Actor,
    ) -> Result<PublicForm> {
        let ty = self.registered(type_slug)?;
        let mut settings = settings;
        settings.slug = settings.slug.trim().to_string();
        settings.intro = settings
            .intro
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty());
        let errors = check_settings(&settings, &ty.compiled);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        let taken = public_form::Entity::find()
            .filter(public_form::Column::Slug.eq(settings.slug.as_str()))
            .filter(public_form::Column::TicketType.ne(type_slug))
            .one(&txn)
            .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "/slug",
                format!("another type's form is at `{}`", settings.slug),
            ));
        }
        let existing = public_form::Entity::find()
            .filter(public_form::Column::TicketType.eq(type_slug))
            .one(&txn)
            .await?;
        let row = public_form::ActiveModel {
            id: existing
                .as_ref()
                .map_or(sea_orm::ActiveValue::NotSet, |e| Set(e.id)),
            ticket_type: Set(type_slug.to_string()),
            slug: Set(settings.slug.clone()),
            published: Set(settings.published),
            intro: Set(settings.intro.clone()),
            fields: Set(settings.fields.as_ref().map(|f| json!(f).to_string())),
            per_address_per_hour: Set(settings
                .per_address_per_hour
                .unwrap_or(DEFAULT_PER_ADDRESS_PER_HOUR)
                as i32),
            per_email_per_hour: Set(settings
                .per_email_per_hour
                .unwrap_or(DEFAULT_PER_EMAIL_PER_HOUR) as i32),
            updated_by: Set(actor.name.clone()),
            updated_at: Set(self.clock.now()),
        };
        let written = if existing.is_some() {
            public_form::Entity::update(row).exec(&txn).await?
        } else {
            public_form::Entity::insert(row)
                .exec_with_returning(&txn)
                .await?
        };
        audit(
            &txn,
            self.clock.now(),
            actor,
            "public_form.set",
            &format!("type:{type_slug}"),
            json!({"slug": settings.slug, "published": settings.published}),
        )
        .await?;
        txn.commit().await?;
        Ok(from_row(written))
    }
}
