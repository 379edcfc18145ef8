//! What sending email needs from the database: the admin's settings (a versioned row,
//! `settings_row`), the relay's password (the sealed secret `SMTP_PASSWORD_SECRET`;
//! setting or clearing it bumps the settings' version so every instance reconnects),
//! and the admins' versions of the email templates (a row replaces a shipped default).

use chrono::{DateTime, Utc};
use docket_core::email_settings::{EmailSettings, SMTP_PASSWORD_SECRET};
use docket_core::mail_templates::{self, MailTemplate, TEMPLATES, TemplateKind};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde_json::json;

use crate::identity::{Actor, MasterKey, audit};
use crate::settings_row::{self, Versioned};
use crate::{Result, Store, StoreError};

const TABLE: &str = "email_settings";

/// One template as an admin sees it: the wording in use and whether it is theirs.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailTemplate {
    pub kind: &'static TemplateKind,
    pub template: MailTemplate,
    /// False while the shipped default is in use.
    pub customised: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn kind(name: &str) -> Result<&'static TemplateKind> {
    TemplateKind::by_name(name)
        .ok_or_else(|| StoreError::NotFound(format!("email template {name}")))
}

impl Store {
    pub async fn email_settings(&self) -> Result<Versioned<EmailSettings>> {
        settings_row::read(&self.db, TABLE).await
    }

    /// The settings' version alone: what every instance's delivery worker polls.
    pub async fn email_settings_version(&self) -> Result<i64> {
        settings_row::version(&self.db, TABLE).await
    }

    /// Replace the settings (checked; each bad field named), audited.
    pub async fn put_email_settings(
        &self,
        settings: EmailSettings,
        actor: &Actor,
    ) -> Result<Versioned<EmailSettings>> {
        let settings = settings.normalized().map_err(StoreError::Invalid)?;
        let txn = self.begin_write().await?;
        settings_row::bump(&txn, TABLE, Some(&settings), &actor.name, self.clock.now()).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "email.settings",
            "email",
            json!({"enabled": settings.enabled, "smtp_host": settings.smtp_host,
                   "from_address": settings.from_address}),
        )
        .await?;
        txn.commit().await?;
        self.email_settings().await
    }

    /// Set the relay's password (sealed; never returned).
    pub async fn set_smtp_password(
        &self,
        key: &MasterKey,
        value: &str,
        actor: &Actor,
    ) -> Result<()> {
        if value.is_empty() {
            return Err(StoreError::invalid("/password", "the password is empty"));
        }
        self.set_secret(key, SMTP_PASSWORD_SECRET, value, actor)
            .await
            .map_err(|e| match e {
                // Never echo anything about the value back.
                StoreError::Invalid(_) => {
                    StoreError::invalid("/password", "between 1 byte and 64 KiB")
                }
                other => other,
            })?;
        let txn = self.begin_write().await?;
        settings_row::bump::<_, EmailSettings>(&txn, TABLE, None, &actor.name, self.clock.now())
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Clear the password (no error when none was set).
    pub async fn clear_smtp_password(&self, actor: &Actor) -> Result<()> {
        match self.delete_secret(SMTP_PASSWORD_SECRET, actor).await {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let txn = self.begin_write().await?;
        settings_row::bump::<_, EmailSettings>(&txn, TABLE, None, &actor.name, self.clock.now())
            .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn smtp_password_is_set(&self) -> Result<bool> {
        Ok(self
            .secrets()
            .await?
            .iter()
            .any(|s| s.name == SMTP_PASSWORD_SECRET))
    }

    /// Every template, in the order `TEMPLATES` lists them, with the admins' wording
    /// where they changed it.
    pub async fn email_templates(&self) -> Result<Vec<EmailTemplate>> {
        let stmt = Query::select()
            .columns(
                [
                    "name",
                    "subject",
                    "text",
                    "html",
                    "updated_by",
                    "updated_at",
                ]
                .map(col),
            )
            .from(col("email_templates"))
            .to_owned();
        let mut custom = std::collections::HashMap::new();
        for row in self.db.query_all(&stmt).await? {
            let name: String = row.try_get("", "name")?;
            custom.insert(name, row);
        }
        TEMPLATES
            .iter()
            .map(|kind| match custom.get(kind.name) {
                Some(row) => Ok(EmailTemplate {
                    kind,
                    template: MailTemplate {
                        subject: row.try_get("", "subject")?,
                        text: row.try_get("", "text")?,
                        html: row.try_get("", "html")?,
                    },
                    customised: true,
                    updated_by: Some(row.try_get("", "updated_by")?),
                    updated_at: Some(row.try_get("", "updated_at")?),
                }),
                None => Ok(EmailTemplate {
                    kind,
                    template: kind.default_template(),
                    customised: false,
                    updated_by: None,
                    updated_at: None,
                }),
            })
            .collect()
    }

    pub async fn email_template(&self, name: &str) -> Result<EmailTemplate> {
        let kind = kind(name)?;
        self.email_templates()
            .await?
            .into_iter()
            .find(|t| t.kind.name == kind.name)
            .ok_or_else(|| StoreError::NotFound(format!("email template {name}")))
    }

    /// Replace a template's wording (checked: a mistake is named with its line and
    /// column, and nothing is saved).
    pub async fn put_email_template(
        &self,
        name: &str,
        template: MailTemplate,
        actor: &Actor,
    ) -> Result<EmailTemplate> {
        let kind = kind(name)?;
        if let Err(e) = mail_templates::check(&template) {
            return Err(StoreError::invalid(
                &format!("/{}", e.part),
                format!("line {}, column {}: {}", e.line, e.column, e.message),
            ));
        }
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let stmt = Query::insert()
            .into_table(col("email_templates"))
            .columns(
                [
                    "name",
                    "subject",
                    "text",
                    "html",
                    "updated_by",
                    "updated_at",
                ]
                .map(col),
            )
            .values_panic([
                kind.name.into(),
                template.subject.clone().into(),
                template.text.clone().into(),
                template.html.clone().into(),
                actor.name.clone().into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::column(col("name"))
                    .update_columns(
                        ["subject", "text", "html", "updated_by", "updated_at"].map(col),
                    )
                    .to_owned(),
            )
            .to_owned();
        txn.execute(&stmt).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "email.template",
            kind.name,
            json!({"customised": true}),
        )
        .await?;
        txn.commit().await?;
        self.email_template(name).await
    }

    /// Bring a template's shipped default back.
    pub async fn reset_email_template(&self, name: &str, actor: &Actor) -> Result<EmailTemplate> {
        let kind = kind(name)?;
        let txn = self.begin_write().await?;
        let stmt = Query::delete()
            .from_table(col("email_templates"))
            .and_where(Expr::col(col("name")).eq(kind.name))
            .to_owned();
        txn.execute(&stmt).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "email.template",
            kind.name,
            json!({"customised": false}),
        )
        .await?;
        txn.commit().await?;
        self.email_template(name).await
    }
}
