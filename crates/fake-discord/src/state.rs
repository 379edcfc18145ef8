//! The fake's world: one guild with its roles, members and channels, the messages in
//! every channel, DMs, application commands and the interactions tests started.
//!
//! Records here are plain data (also what tests read back); `render` turns them into
//! Discord's JSON. Nothing here does I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use serde_json::Value;

use crate::ids::Snowflakes;

/// Channel types the fake knows (Discord's numbers).
pub mod channel_type {
    pub const GUILD_TEXT: u8 = 0;
    pub const DM: u8 = 1;
    pub const GUILD_CATEGORY: u8 = 4;
    pub const PUBLIC_THREAD: u8 = 11;
    pub const PRIVATE_THREAD: u8 = 12;
}

/// Permission bits the pre-made roles use (Discord's numbers).
pub mod permission {
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    pub const MANAGE_THREADS: u64 = 1 << 34;
    pub const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user_id: u64,
    /// Not including @everyone (Discord leaves it out too).
    pub roles: Vec<u64>,
    pub nick: Option<String>,
    pub joined_at_ms: u64,
}

/// A permission overwrite: `kind` 0 = role, 1 = member.
#[derive(Debug, Clone, PartialEq)]
pub struct Overwrite {
    pub id: u64,
    pub kind: u8,
    pub allow: u64,
    pub deny: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub id: u64,
    /// See [`channel_type`].
    pub kind: u8,
    pub guild_id: Option<u64>,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub parent_id: Option<u64>,
    pub position: i64,
    pub overwrites: Vec<Overwrite>,
    /// Threads: who created it.
    pub owner_id: Option<u64>,
    pub archived: bool,
    pub locked: bool,
    pub invitable: bool,
    /// Threads: who was added (the bot that created it is a member).
    pub thread_members: BTreeSet<u64>,
    /// DMs: the other user.
    pub recipients: Vec<u64>,
    pub last_message_id: Option<u64>,
    pub created_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: u64,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: u64,
    pub description: Option<String>,
    /// `http://127.0.0.1:PORT/attachments/{channel}/{id}/{filename}?ex=..&is=..&hm=..`
    pub url: String,
}

/// A file a simulated user attaches to a message, or the bot uploads.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl NewAttachment {
    pub fn new(filename: &str, content_type: &str, bytes: impl Into<Vec<u8>>) -> NewAttachment {
        NewAttachment {
            filename: filename.to_string(),
            content_type: Some(content_type.to_string()),
            bytes: bytes.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: u64,
    pub channel_id: u64,
    pub author_id: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub attachments: Vec<Attachment>,
    /// As sent (`allowed_mentions`), for assertions; Discord does not echo it.
    pub allowed_mentions: Option<Value>,
    pub flags: u64,
    pub edited_ms: Option<u64>,
    /// Set on interaction responses and follow-ups (the application id).
    pub webhook_id: Option<u64>,
    /// Set on replies (`message_reference`), as sent.
    pub message_reference: Option<Value>,
    /// Interaction responses flagged ephemeral (64) are kept here but never listed in
    /// the channel, as on Discord.
    pub ephemeral: bool,
}

/// What the bot answered to an interaction (`POST /interactions/{id}/{token}/callback`).
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionCallback {
    pub interaction_id: u64,
    pub token: String,
    /// 1 PONG, 4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal, ...
    pub kind: u64,
    pub data: Value,
}

/// An interaction the fake issued (so its token works on the webhook routes).
#[derive(Debug, Clone)]
pub(crate) struct IssuedInteraction {
    pub id: u64,
    /// Interaction type (1 ping, 2 command, 3 component, 5 modal submit).
    pub kind: u64,
    pub channel_id: Option<u64>,
    /// The message a component was on: `UPDATE_MESSAGE` (7) edits it.
    pub message_id: Option<u64>,
    pub callback: Option<u64>,
    /// `@original`: the response message, once there is one.
    pub original: Option<u64>,
    /// Follow-up messages sent with the interaction's token.
    pub followups: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredFile {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub channel_id: u64,
    pub filename: String,
    pub issued: Instant,
}

/// Ids of the things every fake starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Premade {
    pub guild: u64,
    pub application: u64,
    pub bot_user: u64,
    /// The guild's @everyone role (same id as the guild).
    pub everyone_role: u64,
    /// A "Staff" role (view, send, manage messages and threads).
    pub staff_role: u64,
    /// An "Admin" role (administrator).
    pub admin_role: u64,
    /// "alice": a member without roles (a customer).
    pub alice: u64,
    /// "bob": a member with the Staff role.
    pub bob: u64,
    /// "carol": a member with the Admin role.
    pub carol: u64,
    /// A text channel `#general`.
    pub general_channel: u64,
    /// A category `Tickets`.
    pub tickets_category: u64,
}

pub(crate) struct State {
    pub ids: Snowflakes,
    pub premade: Premade,
    pub guild_name: String,
    pub users: BTreeMap<u64, User>,
    pub members: BTreeMap<u64, Member>,
    pub roles: BTreeMap<u64, Role>,
    pub channels: BTreeMap<u64, Channel>,
    /// Per channel, in creation order (ids increase).
    pub messages: HashMap<u64, BTreeMap<u64, Message>>,
    pub files: HashMap<u64, StoredFile>,
    pub global_commands: Vec<Value>,
    pub guild_commands: Vec<Value>,
    pub interactions: HashMap<String, IssuedInteraction>,
    pub callbacks: Vec<InteractionCallback>,
    /// Messages created with `enforce_nonce`: (author, nonce) → (channel, message, when).
    pub nonces: HashMap<(u64, String), (u64, u64, std::time::Instant)>,
}

impl State {
    pub(crate) fn new(guild_id: Option<u64>, application_id: Option<u64>) -> State {
        let ids = Snowflakes::default();
        let guild = guild_id.unwrap_or_else(|| ids.next());
        let application = application_id.unwrap_or_else(|| ids.next());
        let now = crate::ids::now_unix_ms();
        let mut state = State {
            premade: Premade {
                guild,
                application,
                bot_user: 0,
                everyone_role: guild,
                staff_role: 0,
                admin_role: 0,
                alice: 0,
                bob: 0,
                carol: 0,
                general_channel: 0,
                tickets_category: 0,
            },
            ids,
            guild_name: "Docket Test Guild".to_string(),
            users: BTreeMap::new(),
            members: BTreeMap::new(),
            roles: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: HashMap::new(),
            files: HashMap::new(),
            global_commands: Vec::new(),
            guild_commands: Vec::new(),
            interactions: HashMap::new(),
            callbacks: Vec::new(),
            nonces: HashMap::new(),
        };
        use permission::*;
        let everyone = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ATTACH_FILES;
        state.roles.insert(
            guild,
            Role {
                id: guild,
                name: "@everyone".into(),
                permissions: everyone,
                position: 0,
            },
        );
        state.premade.staff_role = state.add_role(
            "Staff",
            everyone | MANAGE_MESSAGES | MANAGE_THREADS | SEND_MESSAGES_IN_THREADS,
        );
        state.premade.admin_role = state.add_role("Admin", ADMINISTRATOR);
        // The bot is the application's user: Discord gives both the same id.
        let bot = User {
            id: application,
            name: "Docket".into(),
            bot: true,
        };
        state.users.insert(application, bot);
        state.premade.bot_user = application;
        state.members.insert(
            application,
            Member {
                user_id: application,
                roles: Vec::new(),
                nick: None,
                joined_at_ms: now,
            },
        );
        state.premade.alice = state.add_member("alice", &[]);
        let staff = state.premade.staff_role;
        state.premade.bob = state.add_member("bob", &[staff]);
        let admin = state.premade.admin_role;
        state.premade.carol = state.add_member("carol", &[admin]);
        state.premade.tickets_category = state
            .new_channel(channel_type::GUILD_CATEGORY, "Tickets", None)
            .id;
        state.premade.general_channel = state
            .new_channel(channel_type::GUILD_TEXT, "general", None)
            .id;
        state
    }

    pub(crate) fn add_role(&mut self, name: &str, permissions: u64) -> u64 {
        let id = self.ids.next();
        let position = self.roles.len() as i64;
        self.roles.insert(
            id,
            Role {
                id,
                name: name.to_string(),
                permissions,
                position,
            },
        );
        id
    }

    pub(crate) fn add_member(&mut self, name: &str, roles: &[u64]) -> u64 {
        let id = self.ids.next();
        self.users.insert(
            id,
            User {
                id,
                name: name.to_string(),
                bot: false,
            },
        );
        self.members.insert(
            id,
            Member {
                user_id: id,
                roles: roles.to_vec(),
                nick: None,
                joined_at_ms: crate::ids::now_unix_ms(),
            },
        );
        id
    }

    /// A guild channel (not yet announced on the gateway: callers dispatch).
    pub(crate) fn new_channel(&mut self, kind: u8, name: &str, parent_id: Option<u64>) -> Channel {
        let id = self.ids.next();
        let position = self
            .channels
            .values()
            .filter(|c| c.guild_id.is_some() && c.parent_id == parent_id)
            .count() as i64;
        let channel = Channel {
            id,
            kind,
            guild_id: Some(self.premade.guild),
            name: Some(name.to_string()),
            topic: None,
            parent_id,
            position,
            overwrites: Vec::new(),
            owner_id: None,
            archived: false,
            locked: false,
            invitable: true,
            thread_members: BTreeSet::new(),
            recipients: Vec::new(),
            last_message_id: None,
            created_ms: crate::ids::now_unix_ms(),
        };
        self.channels.insert(id, channel.clone());
        channel
    }

    /// The DM channel between the bot and `user`, made on first use (as Discord does).
    pub(crate) fn dm_channel(&mut self, user: u64) -> Channel {
        if let Some(existing) = self
            .channels
            .values()
            .find(|c| c.kind == channel_type::DM && c.recipients == [user])
        {
            return existing.clone();
        }
        let id = self.ids.next();
        let channel = Channel {
            id,
            kind: channel_type::DM,
            guild_id: None,
            name: None,
            topic: None,
            parent_id: None,
            position: 0,
            overwrites: Vec::new(),
            owner_id: None,
            archived: false,
            locked: false,
            invitable: false,
            thread_members: BTreeSet::new(),
            recipients: vec![user],
            last_message_id: None,
            created_ms: crate::ids::now_unix_ms(),
        };
        self.channels.insert(id, channel.clone());
        channel
    }

    /// Stores a message (the caller checked the channel exists).
    pub(crate) fn insert_message(&mut self, message: Message) {
        if !message.ephemeral
            && let Some(channel) = self.channels.get_mut(&message.channel_id)
        {
            channel.last_message_id = Some(message.id);
        }
        self.messages
            .entry(message.channel_id)
            .or_default()
            .insert(message.id, message);
    }

    pub(crate) fn message(&self, channel: u64, id: u64) -> Option<&Message> {
        self.messages.get(&channel).and_then(|m| m.get(&id))
    }

    /// Non-ephemeral messages of a channel, oldest first.
    pub(crate) fn listed_messages(&self, channel: u64) -> Vec<Message> {
        self.messages
            .get(&channel)
            .map(|m| m.values().filter(|m| !m.ephemeral).cloned().collect())
            .unwrap_or_default()
    }

    /// The member's guild permissions: @everyone's and every role's, all of them for an
    /// administrator.
    pub(crate) fn member_permissions(&self, user: u64) -> u64 {
        let everyone = self
            .roles
            .get(&self.premade.everyone_role)
            .map_or(0, |r| r.permissions);
        let mut bits = everyone;
        if let Some(member) = self.members.get(&user) {
            for role in &member.roles {
                bits |= self.roles.get(role).map_or(0, |r| r.permissions);
            }
        }
        if bits & permission::ADMINISTRATOR != 0 {
            // Every permission bit Discord defines today (up to 1 << 50).
            bits = (1u64 << 51) - 1;
        }
        bits
    }
}
