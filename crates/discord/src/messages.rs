//! What the adapter shows on Discord: panel messages, the ticket's buttons, modals,
//! interaction responses and the log embed. Built with twilight's model and
//! `twilight_util::builder`, so Discord's shapes are the library's, not hand-written.

use docket_client::api::{PanelOut, TicketSummary};
use serde_json::Value;
use twilight_model::channel::message::component::{
    Button, ButtonStyle, Component, SelectMenuType, TextInput, TextInputStyle,
};
use twilight_model::channel::message::{Embed, EmojiReactionType, MessageFlags};
use twilight_model::http::interaction::InteractionResponseData;
use twilight_model::http::interaction::{InteractionResponse, InteractionResponseType};
use twilight_util::builder::embed::{EmbedBuilder, EmbedFieldBuilder};
use twilight_util::builder::interaction_response::{ChannelMessageBuilder, ModalBuilder};
use twilight_util::builder::message::{
    ActionRowBuilder, ButtonBuilder, LabelBuilder, SelectMenuBuilder, SelectMenuOptionBuilder,
};

use crate::ids::CustomId;

/// Discord's limits.
pub const MAX_CONTENT: usize = 2000;
pub const MAX_MODAL_INPUTS: usize = 5;

/// `text` cut to `max` characters (not bytes), with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn button(style: ButtonStyle, id: &CustomId, label: &str) -> Button {
    ButtonBuilder::new(style)
        .custom_id(id.to_string())
        .label(clip(label, 80))
        .build()
}

fn row(components: impl IntoIterator<Item = Component>) -> Component {
    let mut builder = ActionRowBuilder::new();
    for c in components {
        builder = builder.component(c);
    }
    Component::ActionRow(builder.build())
}

/// The panel's embed.
pub fn panel_embed(panel: &PanelOut) -> Embed {
    let mut e = EmbedBuilder::new()
        .title(clip(&panel.input.title, 256))
        .color(0x5865F2);
    if !panel.input.description.is_empty() {
        e = e.description(clip(&panel.input.description, 4096));
    }
    e.build()
}

/// One button (no topic, or one), or a select menu of the topics (two or more).
pub fn panel_components(panel: &PanelOut) -> Vec<Component> {
    let topics = &panel.input.topics;
    if topics.len() >= 2 {
        let mut menu = SelectMenuBuilder::new(
            CustomId::Menu { panel: panel.id }.to_string(),
            SelectMenuType::Text,
        )
        .placeholder(clip(&panel.input.button_label, 150));
        for t in topics.iter().take(25) {
            let mut option = SelectMenuOptionBuilder::new(clip(&t.label, 100), t.id.clone());
            if let Some(d) = &t.description {
                option = option.description(clip(d, 100));
            }
            if let Some(emoji) = &t.emoji {
                option = option.emoji(EmojiReactionType::Unicode {
                    name: emoji.clone(),
                });
            }
            menu = menu.option(option.build());
        }
        vec![row([Component::SelectMenu(menu.build())])]
    } else {
        let id = CustomId::Open {
            panel: panel.id,
            topic: topics.first().map(|t| t.id.clone()),
        };
        vec![row([Component::Button(button(
            ButtonStyle::Primary,
            &id,
            &panel.input.button_label,
        ))])]
    }
}

/// Claim and Close under the welcome message; "History" when staff have context to see.
pub fn ticket_buttons(key: &str, with_history: bool) -> Vec<Component> {
    let mut buttons = vec![
        Component::Button(button(
            ButtonStyle::Success,
            &CustomId::Claim { key: key.into() },
            "Claim",
        )),
        Component::Button(button(
            ButtonStyle::Danger,
            &CustomId::Close { key: key.into() },
            "Close",
        )),
    ];
    if with_history {
        buttons.push(Component::Button(button(
            ButtonStyle::Secondary,
            &CustomId::Card { key: key.into() },
            "History (staff)",
        )));
    }
    vec![row(buttons)]
}

pub fn close_confirm_buttons(key: &str) -> Vec<Component> {
    vec![row([Component::Button(button(
        ButtonStyle::Danger,
        &CustomId::CloseConfirm { key: key.into() },
        "Yes, close this ticket",
    ))])]
}

pub fn survey_buttons(key: &str) -> Vec<Component> {
    vec![row((1..=5u8).map(|rating| {
        Component::Button(button(
            ButtonStyle::Secondary,
            &CustomId::Survey {
                key: key.into(),
                rating,
            },
            &"★".repeat(rating as usize),
        ))
    }))]
}

/// A text input inside a label, as Discord's modals now take them.
pub struct Input {
    pub custom_id: String,
    pub label: String,
    pub description: Option<String>,
    pub paragraph: bool,
    pub required: bool,
    pub min_length: Option<u16>,
    pub max_length: Option<u16>,
    /// A schema enum: a select menu of these values instead of free text.
    pub choices: Vec<String>,
}

#[allow(deprecated)] // TextInput::label: the Label component carries it now.
fn text_input(input: &Input) -> Component {
    let field = if input.choices.is_empty() {
        Component::TextInput(TextInput {
            custom_id: input.custom_id.clone(),
            id: None,
            label: None,
            max_length: input.max_length,
            min_length: input.min_length,
            placeholder: None,
            required: Some(input.required),
            style: if input.paragraph {
                TextInputStyle::Paragraph
            } else {
                TextInputStyle::Short
            },
            value: None,
        })
    } else {
        let mut menu = SelectMenuBuilder::new(input.custom_id.clone(), SelectMenuType::Text);
        for choice in input.choices.iter().take(25) {
            let shown = choice.replace('_', " ");
            menu = menu
                .option(SelectMenuOptionBuilder::new(clip(&shown, 100), choice.clone()).build());
        }
        let mut menu = menu.build();
        menu.min_values = Some(1);
        menu.max_values = Some(1);
        menu.required = Some(input.required);
        Component::SelectMenu(menu)
    };
    let mut label = LabelBuilder::new(clip(&input.label, 45), field);
    if let Some(d) = &input.description {
        label = label.description(clip(d, 100));
    }
    Component::Label(label.build())
}

pub fn modal(custom_id: &CustomId, title: &str, inputs: &[Input]) -> InteractionResponse {
    ModalBuilder::new(
        custom_id.to_string(),
        clip(title, 45),
        inputs.iter().take(MAX_MODAL_INPUTS).map(text_input),
    )
    .build()
}

pub fn pong() -> InteractionResponse {
    InteractionResponse {
        kind: InteractionResponseType::Pong,
        data: None,
    }
}

/// A message only the clicking user sees.
pub fn ephemeral(text: &str) -> InteractionResponse {
    ChannelMessageBuilder::new()
        .content(clip(text, MAX_CONTENT))
        .flags(MessageFlags::EPHEMERAL)
        .build()
}

/// "Thinking…": the real answer follows by editing the original response.
pub fn deferred(ephemeral: bool) -> InteractionResponse {
    InteractionResponse {
        kind: InteractionResponseType::DeferredChannelMessageWithSource,
        data: Some(InteractionResponseData {
            flags: ephemeral.then_some(MessageFlags::EPHEMERAL),
            ..InteractionResponseData::default()
        }),
    }
}

/// The log channel's record of a closed ticket.
pub struct LogEntry<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub opener: Option<&'a str>,
    pub claimer: Option<String>,
    pub closed_by: String,
    pub reason: Option<&'a str>,
    pub summary: Option<String>,
    pub ticket_url: String,
}

pub fn log_embed(entry: &LogEntry<'_>) -> Embed {
    let field = |name: &str, value: &str| EmbedFieldBuilder::new(name, clip(value, 1024)).build();
    let mut e = EmbedBuilder::new()
        .title(clip(&format!("{} closed: {}", entry.key, entry.title), 256))
        .url(entry.ticket_url.clone())
        .color(0x99AAB5)
        .field(field(
            "Opened by",
            &entry
                .opener
                .map(|id| format!("<@{id}>"))
                .unwrap_or_else(|| "unknown".into()),
        ))
        .field(field(
            "Claimed by",
            entry.claimer.as_deref().unwrap_or("nobody"),
        ))
        .field(field("Closed by", &entry.closed_by))
        .field(field("Reason", entry.reason.unwrap_or("none given")));
    if let Some(s) = &entry.summary {
        e = e.field(field("Summary", s));
    }
    e.build()
}

/// The text of a ticket summary as the log shows it.
pub fn summary_text(summary: &TicketSummary) -> String {
    let c = &summary.content;
    let mut parts = vec![format!("**Issue:** {}", c.issue)];
    if !c.resolution.is_empty() {
        parts.push(format!("**Resolution:** {}", c.resolution));
    }
    if !c.open_points.is_empty() {
        parts.push(format!("**Open points:** {}", c.open_points.join("; ")));
    }
    parts.join("\n")
}

/// Twilight's response as the JSON Discord reads.
pub fn to_json(response: &InteractionResponse) -> Value {
    serde_json::to_value(response).expect("interaction responses serialise")
}
