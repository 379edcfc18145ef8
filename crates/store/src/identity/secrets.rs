//! Secrets at rest (AI keys, SMTP passwords, Discord tokens, webhook secrets): sealed
//! with the master key; the API only ever says whether one is set.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, TransactionTrait};
use serde_json::Value;

use super::{Actor, MasterKey, audit};
use crate::entities::secret;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct SecretInfo {
    pub name: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Seal `value` under `name` inside the caller's transaction, replacing what was there:
/// a thing that owns a secret (a webhook source) is written with it, or neither is.
pub(crate) async fn seal_in<C: ConnectionTrait>(
    conn: &C,
    key: &MasterKey,
    name: &str,
    value: &str,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    let (nonce, ciphertext) = key.seal(value, name);
    let row = secret::ActiveModel {
        name: Set(name.to_string()),
        key_id: Set(key.id().to_string()),
        nonce: Set(nonce),
        ciphertext: Set(ciphertext),
        updated_by: Set(actor.name.clone()),
        updated_at: Set(at),
    };
    secret::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(secret::Column::Name)
                .update_columns([
                    secret::Column::KeyId,
                    secret::Column::Nonce,
                    secret::Column::Ciphertext,
                    secret::Column::UpdatedBy,
                    secret::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Delete a secret inside the caller's transaction (a thing that owns one goes with it).
pub(crate) async fn forget_in<C: ConnectionTrait>(conn: &C, name: &str) -> Result<()> {
    secret::Entity::delete_by_id(name.to_string())
        .exec(conn)
        .await?;
    Ok(())
}

/// Secret names look like `openai_api_key` or `discord.bot_token`.
pub fn valid_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

impl Store {
    pub async fn set_secret(
        &self,
        key: &MasterKey,
        name: &str,
        value: &str,
        actor: &Actor,
    ) -> Result<SecretInfo> {
        if !valid_secret_name(name) {
            return Err(StoreError::invalid(
                "/name",
                "lower-case letters, digits, _ . and -, starting with a letter",
            ));
        }
        if value.is_empty() || value.len() > 64 * 1024 {
            return Err(StoreError::invalid("/value", "between 1 byte and 64 KiB"));
        }
        let txn = self.begin_write().await?;
        seal_in(&txn, key, name, value, actor, self.clock.now()).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "secret.set",
            &format!("secret:{name}"),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(self
            .secrets()
            .await?
            .into_iter()
            .find(|s| s.name == name)
            .expect("just written"))
    }

    pub async fn secrets(&self) -> Result<Vec<SecretInfo>> {
        Ok(secret::Entity::find()
            .order_by_asc(secret::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| SecretInfo {
                name: s.name,
                updated_by: s.updated_by,
                updated_at: s.updated_at,
            })
            .collect())
    }

    /// The plaintext of a secret, for the server's own use (never for API responses).
    pub async fn reveal_secret(&self, key: &MasterKey, name: &str) -> Result<Option<String>> {
        match secret::Entity::find_by_id(name.to_string())
            .one(&self.db)
            .await?
        {
            Some(s) => key.open(&s.key_id, &s.nonce, &s.ciphertext, name).map(Some),
            None => Ok(None),
        }
    }

    pub async fn delete_secret(&self, name: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let gone = secret::Entity::delete_by_id(name.to_string())
            .exec(&txn)
            .await?;
        if gone.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("secret `{name}`")));
        }
        audit(
            &txn,
            self.clock.now(),
            actor,
            "secret.delete",
            &format!("secret:{name}"),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Re-seal every secret under `new`, in one transaction: either all move or none.
    pub async fn rotate_master_key(
        &self,
        old: &MasterKey,
        new: &MasterKey,
        actor: &Actor,
    ) -> Result<usize> {
        let txn = self.db.begin().await?;
        let all = secret::Entity::find().all(&txn).await?;
        let n = all.len();
        for s in all {
            let plain = old.open(&s.key_id, &s.nonce, &s.ciphertext, &s.name)?;
            let (nonce, ciphertext) = new.seal(&plain, &s.name);
            let mut am: secret::ActiveModel = s.into();
            am.key_id = Set(new.id().to_string());
            am.nonce = Set(nonce);
            am.ciphertext = Set(ciphertext);
            sea_orm::ActiveModelTrait::update(am, &txn).await?;
        }
        audit(
            &txn,
            self.clock.now(),
            actor,
            "secret.rotate_key",
            "secrets",
            serde_json::json!({"from": old.id(), "to": new.id(), "count": n}),
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }
}
