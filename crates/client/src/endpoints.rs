//! Every operation the client calls, declared once: method, path, the query and header
//! parameters it may send, and the Rust types of its request and response bodies. Each
//! client method goes through one of these, and `ALL` lists them, so the drift test
//! (tests/drift.rs) checks every call against openapi/openapi.json. Schema names come
//! from the types' `utoipa::ToSchema::name()`, so they are the names the server's
//! document uses for the very types this client serialises and deserialises.

use std::marker::PhantomData;

use docket_api::*;
use docket_core::workflow::Workflow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// As OpenAPI spells it (`get`, `post`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }

    pub(crate) fn http(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A body as the OpenAPI document describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// No body.
    None,
    /// `{"$ref": "#/components/schemas/<name>"}`
    Ref(String),
    /// `{"type": "array", "items": {"$ref": "#/components/schemas/<name>"}}`
    Array(String),
    /// Raw bytes (`application/octet-stream`): a file upload.
    Bytes,
}

/// Which failed attempts may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrySafety {
    /// Any retryable failure: the call is idempotent (reads, PUT, PATCH with If-Match,
    /// DELETE, creates with an Idempotency-Key, POSTs that store nothing).
    Always,
    /// Only failures where the server surely did nothing (connection refused, 503): a
    /// second copy could otherwise be written (comments, notes: the server takes no
    /// Idempotency-Key for them).
    Unsent,
}

/// One operation of the API, untyped (what the drift test reads).
#[derive(Debug)]
#[non_exhaustive]
pub struct Endpoint {
    /// The constant's name, for messages.
    pub name: &'static str,
    pub method: Method,
    /// The path template as in the OpenAPI document, relative to `/api/v1`.
    pub path: &'static str,
    /// Query parameters the client may send.
    pub query: &'static [&'static str],
    /// Header parameters the client may send (besides Authorization).
    pub headers: &'static [&'static str],
    pub request: fn() -> Schema,
    /// The success status the client expects.
    pub status: u16,
    pub response: fn() -> Schema,
    /// The success answer's media type.
    pub content_type: &'static str,
    pub retry: RetrySafety,
}

/// An endpoint with the Rust types of its bodies: a method sends a `Req` and reads a
/// `Resp`, the types whose schemas `endpoint` declares.
#[derive(Debug)]
pub struct Op<Req, Resp> {
    pub endpoint: Endpoint,
    types: PhantomData<fn(&Req) -> Resp>,
}

impl<Req, Resp> Op<Req, Resp> {
    const fn new(endpoint: Endpoint) -> Self {
        Op {
            endpoint,
            types: PhantomData,
        }
    }
}

fn schema_none() -> Schema {
    Schema::None
}

fn schema_bytes() -> Schema {
    Schema::Bytes
}

fn schema_ref<T: ToSchema>() -> Schema {
    Schema::Ref(T::name().into_owned())
}

fn schema_array<T: ToSchema>() -> Schema {
    Schema::Array(T::name().into_owned())
}

/// `()` is no body, `[T]` a JSON array of `T`, `T` a `T`.
macro_rules! wire_type {
    (()) => { () };
    (bytes) => { Vec<u8> };
    ([$t:ty]) => { Vec<$t> };
    ($t:ty) => { $t };
}

macro_rules! wire_schema {
    (()) => {
        schema_none
    };
    (bytes) => {
        schema_bytes
    };
    ([$t:ty]) => {
        schema_array::<$t>
    };
    ($t:ty) => {
        schema_ref::<$t>
    };
}

macro_rules! endpoints {
    ($(
        $(#[$doc:meta])*
        $name:ident: $method:ident $path:literal
            query [$($q:literal),*] headers [$($h:literal),*]
            $req:tt -> $status:literal $resp:tt $ct:expr, $retry:ident;
    )*) => {
        $(
            $(#[$doc])*
            pub const $name: Op<wire_type!($req), wire_type!($resp)> = Op::new(Endpoint {
                name: stringify!($name),
                method: Method::$method,
                path: $path,
                query: &[$($q),*],
                headers: &[$($h),*],
                request: wire_schema!($req),
                status: $status,
                response: wire_schema!($resp),
                content_type: $ct,
                retry: RetrySafety::$retry,
            });
        )*

        /// Every endpoint above; the drift test walks this list.
        pub const ALL: &[&Endpoint] = &[$(&$name.endpoint),*];
    };
}

const JSON: &str = "application/json";

endpoints! {
    // ---- tickets ----
    LIST_TICKETS: Get "/tickets"
        query ["type", "status", "status_category", "priority", "team", "assignee_id",
               "requester_id", "source", "source_ref", "tag", "q", "sort", "limit", "cursor",
               "include_deleted"]
        headers [] () -> 200 TicketPage JSON, Always;
    /// Retried with the same Idempotency-Key, so a lost answer never makes a second ticket.
    CREATE_TICKET: Post "/tickets" query [] headers ["Idempotency-Key"]
        TicketCreate -> 201 TicketOut JSON, Always;
    GET_TICKET: Get "/tickets/{key}" query [] headers [] () -> 200 TicketOut JSON, Always;
    /// Safe to resend as is: a second copy meets If-Match (see `Client::update_ticket`).
    UPDATE_TICKET: Patch "/tickets/{key}" query [] headers ["If-Match"]
        TicketUpdate -> 200 TicketOut JSON, Always;
    DELETE_TICKET: Delete "/tickets/{key}" query [] headers [] () -> 204 () JSON, Always;
    RESTORE_TICKET: Post "/tickets/{key}/restore" query [] headers []
        () -> 200 TicketOut JSON, Always;
    LIST_COMMENTS: Get "/tickets/{key}/comments" query ["limit", "cursor", "external_ref"] headers []
        () -> 200 CommentPage JSON, Always;
    ADD_COMMENT: Post "/tickets/{key}/comments" query [] headers []
        CommentCreate -> 201 CommentOut JSON, Unsent;
    /// Safe to resend: the same body again changes nothing more.
    UPDATE_COMMENT: Patch "/tickets/{key}/comments/{id}" query [] headers []
        CommentUpdate -> 200 CommentOut JSON, Always;
    DELETE_COMMENT: Delete "/tickets/{key}/comments/{id}" query [] headers []
        () -> 204 () JSON, Always;
    GET_TRANSCRIPT: Get "/tickets/{key}/transcript" query [] headers []
        () -> 200 TranscriptOut JSON, Always;
    /// Replaces the transcript: a resend writes the same one.
    PUT_TRANSCRIPT: Put "/tickets/{key}/transcript" query [] headers []
        TranscriptInput -> 200 TranscriptOut JSON, Always;
    GET_SURVEY: Get "/tickets/{key}/survey" query [] headers [] () -> 200 SurveyOut JSON, Always;
    /// A second answer is refused (409), so a resend cannot record two.
    PUT_SURVEY: Put "/tickets/{key}/survey" query [] headers []
        SurveyInput -> 201 SurveyOut JSON, Always;
    LIST_EVENTS: Get "/tickets/{key}/events" query ["limit", "cursor"] headers []
        () -> 200 EventPage JSON, Always;
    /// The file is the raw body; a comment then names the attachment. Retried with the
    /// same Idempotency-Key, so a lost answer never stores a second copy.
    UPLOAD_ATTACHMENT: Post "/tickets/{key}/attachments" query ["filename"] headers ["Idempotency-Key"]
        bytes -> 201 AttachmentOut JSON, Always;
    /// A file's bytes (the answer's Content-Type is the file's own).
    ATTACHMENT_CONTENT: Get "/attachments/{id}/content" query [] headers []
        () -> 200 bytes "application/octet-stream", Always;
    TICKET_SLA: Get "/tickets/{key}/sla" query [] headers [] () -> 200 TicketSlaOut JSON, Always;
    /// The live stream of ticket changes (server-sent events).
    STREAM: Get "/stream" query [] headers ["Last-Event-ID"]
        () -> 200 TicketChange "text/event-stream", Always;

    // ---- types ----
    LIST_TYPES: Get "/types" query [] headers [] () -> 200 [TypeSummary] JSON, Always;
    GET_TYPE: Get "/types/{slug}" query [] headers [] () -> 200 TypeDetail JSON, Always;
    TYPE_WORKFLOW: Get "/types/{slug}/workflow" query [] headers []
        () -> 200 Workflow JSON, Always;

    // ---- requesters ----
    LIST_REQUESTERS: Get "/requesters" query ["q", "organization", "limit", "cursor"] headers []
        () -> 200 RequesterPage JSON, Always;
    GET_REQUESTER: Get "/requesters/{id}" query [] headers []
        () -> 200 RequesterProfileOut JSON, Always;
    REQUESTER_CARD: Get "/requesters/{id}/card" query ["exclude"] headers []
        () -> 200 RequesterCardOut JSON, Always;
    LIST_NOTES: Get "/requesters/{id}/notes" query ["limit"] headers []
        () -> 200 NotePage JSON, Always;
    ADD_NOTE: Post "/requesters/{id}/notes" query [] headers []
        NoteInput -> 201 NoteOut JSON, Unsent;

    // ---- people ----
    ME: Get "/auth/me" query [] headers [] () -> 200 Me JSON, Always;
    LIST_USERS: Get "/users" query [] headers [] () -> 200 [UserOut] JSON, Always;
    GET_USER: Get "/users/{id}" query [] headers [] () -> 200 UserOut JSON, Always;
    LIST_TEAMS: Get "/teams" query [] headers [] () -> 200 [TeamOut] JSON, Always;

    // ---- Discord ----
    LIST_PANELS: Get "/discord/panels" query [] headers [] () -> 200 PanelList JSON, Always;
    GET_PANEL: Get "/discord/panels/{id}" query [] headers [] () -> 200 PanelOut JSON, Always;
    CREATE_PANEL: Post "/discord/panels" query [] headers []
        PanelInput -> 201 PanelOut JSON, Unsent;
    UPDATE_PANEL: Put "/discord/panels/{id}" query [] headers []
        PanelInput -> 200 PanelOut JSON, Always;
    DEPLOY_PANEL: Post "/discord/panels/{id}/deploy" query [] headers []
        () -> 200 PanelOut JSON, Always;
    PUT_PANEL_DEPLOYMENT: Put "/discord/panels/{id}/deployment" query [] headers []
        PanelDeployment -> 200 PanelOut JSON, Always;
    PANEL_ELIGIBILITY: Get "/discord/panels/{id}/eligibility" query ["discord_id"] headers []
        () -> 200 PanelEligibility JSON, Always;
    /// Each call makes a new code; a lost answer only leaves an unused one behind.
    CREATE_LINK_CODE: Post "/discord/link-codes" query [] headers []
        DiscordLinkRequest -> 201 DiscordLinkCode JSON, Always;
    DISCORD_ACCOUNT: Get "/discord/accounts/{discord_id}" query [] headers []
        () -> 200 DiscordAccount JSON, Always;

    // ---- AI (both store nothing, so a resend is harmless) ----
    MODERATE_IMAGE: Post "/ai/moderate-image" query [] headers []
        ModerateImageIn -> 200 ModerationOut JSON, Always;
    DRAFT_REPLY: Post "/tickets/{key}/draft-reply" query [] headers []
        () -> 200 DraftReplyOut JSON, Always;

    // ---- SLA and health ----
    SLA_REPORT: Get "/sla/report" query ["from", "to", "group_by"] headers []
        () -> 200 SlaReportOut JSON, Always;
    HEALTH: Get "/health" query [] headers [] () -> 200 Health JSON, Always;
}

/// Whether `endpoint` is one of `ALL` (the transport refuses others in debug builds, so
/// no call escapes the drift test).
pub(crate) fn is_declared(endpoint: &Endpoint) -> bool {
    ALL.iter()
        .any(|e| e.method == endpoint.method && e.path == endpoint.path)
}
