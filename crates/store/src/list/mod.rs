//! Listing tickets: filters on core and extension columns, full-text search, sorting and
//! keyset (cursor) pagination, all as one SQL query on real columns.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use docket_core::fields::ColumnKind;
use docket_core::ticket::{Priority, SourceChannel, StatusCategory};
use docket_core::typedef::FieldError;
use docket_core::typedef::indexes::TICKET_ID_COLUMN;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, LikeExpr, NullOrdering, Order, Query, SelectStatement,
    SimpleExpr, Value as SqlValue,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde_json::Value;

use crate::ddl::ext_table;
use crate::entities::ticket as ticket_row;
use crate::{Result, Store, StoreError, Ticket, ext};

mod cursor;
mod search;

use cursor::{after, decode_cursor, encode_cursor};
pub use search::SEARCH_WINDOW;
use search::{TITLE_TRIGRAMS, rank_of, title_trigram_candidates, title_trigram_match};

pub const DEFAULT_LIMIT: u64 = 25;
pub const MAX_LIMIT: u64 = 200;

/// A core column that can be filtered and sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreField {
    Id,
    Status,
    StatusCategory,
    Priority,
    AssigneeId,
    RequesterId,
    Source,
    /// The source's own reference (a Discord channel, a Message-ID).
    SourceRef,
    CreatedAt,
    UpdatedAt,
    Title,
    /// The team's slug.
    Team,
    FirstResponseDueAt,
    NextResponseDueAt,
    ResolutionDueAt,
    /// The earliest of the three due times.
    SlaDueAt,
}

impl CoreField {
    pub const ALL: [CoreField; 16] = [
        CoreField::Id,
        CoreField::Status,
        CoreField::StatusCategory,
        CoreField::Priority,
        CoreField::AssigneeId,
        CoreField::RequesterId,
        CoreField::Source,
        CoreField::SourceRef,
        CoreField::CreatedAt,
        CoreField::UpdatedAt,
        CoreField::Title,
        CoreField::Team,
        CoreField::FirstResponseDueAt,
        CoreField::NextResponseDueAt,
        CoreField::ResolutionDueAt,
        CoreField::SlaDueAt,
    ];

    /// The name in query strings.
    pub fn name(self) -> &'static str {
        match self {
            CoreField::Id => "id",
            CoreField::Status => "status",
            CoreField::StatusCategory => "status_category",
            CoreField::Priority => "priority",
            CoreField::AssigneeId => "assignee_id",
            CoreField::RequesterId => "requester_id",
            CoreField::Source => "source",
            CoreField::SourceRef => "source_ref",
            CoreField::CreatedAt => "created_at",
            CoreField::UpdatedAt => "updated_at",
            CoreField::Title => "title",
            CoreField::Team => "team",
            CoreField::FirstResponseDueAt => "first_response_due_at",
            CoreField::NextResponseDueAt => "next_response_due_at",
            CoreField::ResolutionDueAt => "resolution_due_at",
            CoreField::SlaDueAt => "sla_due_at",
        }
    }

    fn column(self) -> &'static str {
        match self {
            CoreField::Source => "source_channel",
            other => other.name(),
        }
    }

    fn kind(self) -> ColumnKind {
        match self {
            CoreField::Id | CoreField::AssigneeId | CoreField::RequesterId => ColumnKind::Integer,
            CoreField::CreatedAt
            | CoreField::UpdatedAt
            | CoreField::FirstResponseDueAt
            | CoreField::NextResponseDueAt
            | CoreField::ResolutionDueAt
            | CoreField::SlaDueAt => ColumnKind::Timestamp,
            _ => ColumnKind::Text,
        }
    }

    pub fn parse(name: &str) -> Option<CoreField> {
        CoreField::ALL.into_iter().find(|f| f.name() == name)
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            CoreField::AssigneeId
                | CoreField::RequesterId
                | CoreField::Team
                | CoreField::SourceRef
                | CoreField::FirstResponseDueAt
                | CoreField::NextResponseDueAt
                | CoreField::ResolutionDueAt
                | CoreField::SlaDueAt
        )
    }
}

/// What a filter or sort applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Core(CoreField),
    /// An extension field of the listed type (`f.<name>`).
    Field(String),
    /// How well a ticket matches the search (`q` without `sort`); never parsed from a
    /// query string.
    Relevance,
}

impl Target {
    fn param(&self) -> String {
        match self {
            Target::Core(c) => c.name().to_string(),
            Target::Field(f) => format!("f.{f}"),
            Target::Relevance => "relevance".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    /// Any of the comma-separated values (also what repeating `name=` means).
    In,
    /// `true`: the value is empty; `false`: it is set.
    Null,
    /// Case-insensitive substring (text only).
    Contains,
}

impl FilterOp {
    pub fn parse(s: &str) -> Option<FilterOp> {
        Some(match s {
            "eq" => FilterOp::Eq,
            "ne" => FilterOp::Ne,
            "gt" => FilterOp::Gt,
            "gte" => FilterOp::Gte,
            "lt" => FilterOp::Lt,
            "lte" => FilterOp::Lte,
            "in" => FilterOp::In,
            "null" => FilterOp::Null,
            "contains" => FilterOp::Contains,
            _ => return None,
        })
    }
}

/// One filter as it came in the query string (values are parsed against the column).
#[derive(Debug, Clone)]
pub struct Filter {
    pub target: Target,
    pub op: FilterOp,
    pub values: Vec<String>,
    /// The query parameter, for error messages.
    pub param: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub target: Target,
    pub descending: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub type_slug: Option<String>,
    pub filters: Vec<Filter>,
    /// Tickets carrying all of these tags.
    pub tags: Vec<String>,
    pub q: Option<String>,
    pub sort: Vec<SortKey>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
    pub include_deleted: bool,
    /// The types the caller may see; None: every type.
    pub visible_types: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Ticket>,
    pub next_cursor: Option<String>,
}

fn err(param: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        pointer: format!("/query/{param}"),
        message: message.into(),
    }
}

/// Parse a query-string value for a column of `kind`.
fn parse_value(
    kind: ColumnKind,
    raw: &str,
    param: &str,
) -> std::result::Result<SqlValue, FieldError> {
    let bad = |what: &str| err(param, format!("`{raw}` is not {what}"));
    Ok(match kind {
        ColumnKind::Text => {
            docket_core::stored::check_text(raw).map_err(|e| err(param, e))?;
            SqlValue::String(Some(raw.to_string()))
        }
        ColumnKind::Integer => {
            SqlValue::BigInt(Some(raw.trim().parse().map_err(|_| bad("an integer"))?))
        }
        ColumnKind::Number => SqlValue::Double(Some(
            raw.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| bad("a number"))?,
        )),
        ColumnKind::Boolean => SqlValue::Bool(Some(match raw {
            "true" => true,
            "false" => false,
            _ => return Err(bad("true or false")),
        })),
        ColumnKind::Timestamp => SqlValue::ChronoDateTimeUtc(Some(
            parse_time(raw).ok_or_else(|| bad("an RFC 3339 time or a date"))?,
        )),
        ColumnKind::Date => SqlValue::ChronoDate(Some(
            NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad("a date (YYYY-MM-DD)"))?,
        )),
        ColumnKind::Json => return Err(err(param, "JSON fields can only be filtered with .null")),
    })
}

fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// Values that a core field accepts, checked so that a typo is an error, not an empty page.
fn check_core_value(
    field: CoreField,
    raw: &str,
    param: &str,
) -> std::result::Result<(), FieldError> {
    let ok = match field {
        CoreField::Priority => Priority::parse(raw).is_some(),
        CoreField::StatusCategory => StatusCategory::parse(raw).is_some(),
        CoreField::Source => SourceChannel::parse(raw).is_some(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(err(
            param,
            format!("`{raw}` is not a valid {}", field.name()),
        ))
    }
}

struct Column {
    expr: SimpleExpr,
    kind: ColumnKind,
    nullable: bool,
    enum_values: Option<Vec<Value>>,
}

impl Store {
    fn resolve(
        &self,
        target: &Target,
        type_slug: Option<&str>,
        param: &str,
    ) -> std::result::Result<Column, FieldError> {
        match target {
            // Tickets hold the team's id; lists speak of its slug.
            Target::Core(CoreField::Team) => Ok(Column {
                expr: SimpleExpr::SubQuery(
                    None,
                    Box::new(
                        Query::select()
                            .column((Alias::new("tm"), Alias::new("slug")))
                            .from_as(Alias::new("teams"), Alias::new("tm"))
                            .and_where(
                                Expr::col((Alias::new("tm"), Alias::new("id")))
                                    .equals((Alias::new("t"), Alias::new("team_id"))),
                            )
                            .to_owned()
                            .into(),
                    ),
                ),
                kind: ColumnKind::Text,
                nullable: true,
                enum_values: None,
            }),
            Target::Core(c) => Ok(Column {
                expr: Expr::col((Alias::new("t"), Alias::new(c.column()))),
                kind: c.kind(),
                nullable: c.nullable(),
                enum_values: None,
            }),
            Target::Relevance => Err(err(
                param,
                "relevance orders a search (`q`) given without `sort`",
            )),
            Target::Field(name) => {
                let slug = type_slug.ok_or_else(|| {
                    err(param, "filters and sorts on f.<field> need a single `type`")
                })?;
                let ty = self
                    .registry
                    .get(slug)
                    .ok_or_else(|| err("type", format!("unknown ticket type `{slug}`")))?;
                let f = ty.compiled.field(name).ok_or_else(|| {
                    err(param, format!("ticket type `{slug}` has no field `{name}`"))
                })?;
                Ok(Column {
                    expr: Expr::col((Alias::new("x"), Alias::new(f.name.clone()))),
                    kind: f.kind,
                    nullable: true,
                    enum_values: f.enum_values.clone(),
                })
            }
        }
    }

    fn filter_condition(
        &self,
        f: &Filter,
        type_slug: Option<&str>,
        teams: &[(String, i64)],
        titles_from_trigrams: bool,
    ) -> std::result::Result<SimpleExpr, FieldError> {
        if matches!(f.op, FilterOp::Eq | FilterOp::In) {
            match f.target {
                Target::Core(CoreField::Team) => return Ok(team_condition(&f.values, teams)),
                Target::Core(CoreField::StatusCategory) => {
                    return status_categories(&f.values, &f.param);
                }
                _ => {}
            }
        }
        let col = self.resolve(&f.target, type_slug, &f.param)?;
        if f.op == FilterOp::Null {
            return match f.values.as_slice() {
                [v] if v == "true" => Ok(col.expr.is_null()),
                [v] if v == "false" => Ok(col.expr.is_not_null()),
                _ => Err(err(&f.param, "use .null=true or .null=false")),
            };
        }
        if f.op == FilterOp::Contains {
            if col.kind != ColumnKind::Text {
                return Err(err(&f.param, ".contains works on text fields only"));
            }
            let [needle] = f.values.as_slice() else {
                return Err(err(&f.param, ".contains takes one value"));
            };
            docket_core::stored::check_text(needle).map_err(|e| err(&f.param, e))?;
            let condition = contains(col.expr, needle);
            if f.target == Target::Core(CoreField::Title)
                && self.backend() == DbBackend::Sqlite
                && !titles_from_trigrams
                && let Some(candidates) = title_trigram_candidates(needle)
            {
                return Ok(candidates.and(condition));
            }
            return Ok(condition);
        }
        if matches!(
            f.op,
            FilterOp::Gt | FilterOp::Gte | FilterOp::Lt | FilterOp::Lte
        ) && !col.kind.is_ordered()
        {
            return Err(err(
                &f.param,
                format!("{} fields cannot be compared by range", col.kind.as_str()),
            ));
        }
        let mut values = Vec::new();
        for raw in &f.values {
            if let Target::Core(c) = &f.target {
                check_core_value(*c, raw, &f.param)?;
            }
            if let Some(allowed) = &col.enum_values
                && f.op != FilterOp::Contains
                && !allowed.iter().any(|a| a.as_str() == Some(raw.as_str()))
            {
                let list: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
                return Err(err(
                    &f.param,
                    format!("`{raw}` is not one of {}", list.join(", ")),
                ));
            }
            values.push(parse_value(col.kind, raw, &f.param)?);
        }
        let single = || {
            values
                .first()
                .cloned()
                .ok_or_else(|| err(&f.param, "a value is needed"))
        };
        Ok(match f.op {
            FilterOp::Eq if values.len() > 1 => col.expr.is_in(values),
            FilterOp::In => col.expr.is_in(values),
            FilterOp::Eq => col.expr.eq(single()?),
            FilterOp::Ne => col.expr.clone().ne(single()?).or(if col.nullable {
                col.expr.is_null()
            } else {
                Expr::val(false)
            }),
            FilterOp::Gt => col.expr.gt(single()?),
            FilterOp::Gte => col.expr.gte(single()?),
            FilterOp::Lt => col.expr.lt(single()?),
            FilterOp::Lte => col.expr.lte(single()?),
            FilterOp::Null | FilterOp::Contains => unreachable!("handled above"),
        })
    }

    pub async fn list_tickets(&self, query: &ListQuery) -> Result<Page> {
        let PageQuery { stmt, keys, limit } = self.list_statement(query).await?;
        let rows = self.reader.query_all_raw(stmt).await?;
        let mut models = Vec::with_capacity(rows.len());
        for row in &rows {
            models.push(ticket_row::Model::from_query_result(row, "")?);
        }
        let more = models.len() as u64 > limit;
        models.truncate(limit as usize);
        let last_rank = match (more, keys.first()) {
            (true, Some((_, _, Target::Relevance))) => {
                Some(rank_of(&rows[models.len() - 1], self.backend())?)
            }
            _ => None,
        };
        let items = self.hydrate(models).await?;
        let next_cursor = match (more, items.last()) {
            (true, Some(last)) => Some(encode_cursor(last, last_rank, &keys)),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    /// How the database runs the page query of `query` (PostgreSQL: `EXPLAIN`, with
    /// `ANALYZE` and buffers when `analyze`; SQLite: `EXPLAIN QUERY PLAN`), one line per
    /// plan node. For tests that pin the queues' plans, and the bench.
    pub async fn explain_list(&self, query: &ListQuery, analyze: bool) -> Result<String> {
        let mut stmt = self.list_statement(query).await?.stmt;
        let backend = self.backend();
        stmt.sql = match backend {
            DbBackend::Postgres if analyze => format!("EXPLAIN (ANALYZE, BUFFERS) {}", stmt.sql),
            DbBackend::Postgres => format!("EXPLAIN {}", stmt.sql),
            _ => format!("EXPLAIN QUERY PLAN {}", stmt.sql),
        };
        let mut lines = Vec::new();
        for row in self.reader.query_all_raw(stmt).await? {
            lines.push(match backend {
                DbBackend::Postgres => row.try_get::<String>("", "QUERY PLAN")?,
                _ => row.try_get::<String>("", "detail")?,
            });
        }
        Ok(lines.join("\n"))
    }

    /// The page query of a list (one row more than the page, to know whether another
    /// follows), with its sort keys and the page size.
    async fn list_statement(&self, query: &ListQuery) -> Result<PageQuery> {
        let mut errors = Vec::new();
        let slug = query.type_slug.as_deref();
        if let Some(s) = slug
            && self.registry.get(s).is_none()
        {
            errors.push(err("type", format!("unknown ticket type `{s}`")));
        }
        let t = Alias::new("t");
        let mut stmt = Query::select();
        // The row's own columns, not `*`: the search columns are large and never shown.
        for c in <ticket_row::Column as sea_orm::Iterable>::iter() {
            stmt.column((t.clone(), c));
        }
        let joins_ext = slug.is_some()
            && (query
                .filters
                .iter()
                .any(|f| matches!(f.target, Target::Field(_)))
                || query
                    .sort
                    .iter()
                    .any(|s| matches!(s.target, Target::Field(_))));
        let ranks_in_fts = self.backend() == DbBackend::Sqlite
            && query.sort.is_empty()
            && query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        // SQLite: a `title.contains` in the default order reads the title's trigram table
        // first, newest match first, and stops with the page (as a search does): asking it
        // for every candidate first read 39,000 of them for a common word.
        let trigram_needle = (self.backend() == DbBackend::Sqlite
            && !ranks_in_fts
            && query.sort.is_empty()
            && !joins_ext)
            .then(|| title_contains(&query.filters))
            .flatten()
            .filter(|needle| title_trigram_candidates(needle).is_some());
        if ranks_in_fts {
            // SQLite ranks a search in its FTS table (`by_relevance`): read it first, newest
            // match first.
            read_tickets_through(&mut stmt, "tickets_fts", &t);
        } else if let Some(needle) = trigram_needle {
            read_tickets_through(&mut stmt, TITLE_TRIGRAMS, &t);
            stmt.and_where(title_trigram_match(needle));
        } else {
            stmt.from_as(Alias::new("tickets"), t.clone());
        }
        if let (Some(s), true) = (slug, joins_ext && errors.is_empty()) {
            stmt.inner_join(
                sea_orm::sea_query::TableRef::Table(
                    Alias::new(ext_table(s)).into(),
                    Some(Alias::new("x").into()),
                ),
                Expr::col((Alias::new("x"), Alias::new("ticket_id")))
                    .equals((t.clone(), Alias::new("id"))),
            );
        }
        if let Some(s) = slug {
            stmt.and_where(Expr::col((t.clone(), Alias::new("type_slug"))).eq(s));
        }
        // With one type named, visibility is that type's (the API refuses a type the
        // caller cannot see): a second condition on the column would only skew the
        // planner's estimate of how many rows match.
        if let Some(visible) = query
            .visible_types
            .as_ref()
            .filter(|v| !slug.is_some_and(|s| v.iter().any(|t| t == s)))
        {
            stmt.and_where(
                Expr::col((t.clone(), Alias::new("type_slug")))
                    .is_in(visible.iter().map(String::as_str)),
            );
        }
        if !query.include_deleted {
            stmt.and_where(Expr::col((t.clone(), Alias::new("deleted_at"))).is_null());
        }
        let teams = self.team_ids(&query.filters).await?;
        if errors.is_empty() {
            for f in &query.filters {
                match self.filter_condition(f, slug, &teams, trigram_needle.is_some()) {
                    Ok(c) => {
                        stmt.and_where(c);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        for tag in &query.tags {
            let sub = Query::select()
                .column(Alias::new("ticket_id"))
                .from(Alias::new("ticket_tags"))
                .and_where(Expr::col(Alias::new("tag")).eq(tag.trim().to_lowercase()))
                .to_owned();
            stmt.and_where(Expr::col((t.clone(), Alias::new("id"))).in_subquery(sub));
        }
        let mut search = None;
        if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
            match self.search(q) {
                Some(found) => {
                    // SQLite ranks by joining its FTS table instead (`by_relevance`).
                    if found.fts_join.is_none() || !query.sort.is_empty() {
                        stmt.and_where(found.condition.clone());
                    }
                    search = Some(found);
                }
                None => errors.push(err("q", "the search has no words to look for")),
            }
        }
        if let Some(found) = search.filter(|_| query.sort.is_empty()) {
            // A search without a sort: best matches first.
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
            return self.by_relevance(query, stmt, found, slug.filter(|_| joins_ext));
        }
        // Sorting: the requested keys, then the id so that the order is total.
        let mut keys: Vec<(Column, bool, Target)> = Vec::new();
        // Columns a filter keeps non-empty: their sort needs no `NULLS LAST`, which lets
        // SQLite read the order from an index (it cannot when NULLs must come last).
        let never_null: Vec<&Target> = query
            .filters
            .iter()
            .filter(|f| {
                !matches!(f.op, FilterOp::Ne | FilterOp::Null)
                    || (f.op == FilterOp::Null && f.values.iter().all(|v| v == "false"))
            })
            .map(|f| &f.target)
            .collect();
        for s in &query.sort {
            match self.resolve(&s.target, slug, "sort") {
                Ok(c) if c.kind == ColumnKind::Json => errors.push(err(
                    "sort",
                    format!("cannot sort by JSON field {}", s.target.param()),
                )),
                Ok(mut c) => {
                    if never_null.contains(&&s.target) {
                        c.nullable = false;
                    }
                    keys.push((c, s.descending, s.target.clone()))
                }
                Err(e) => errors.push(e),
            }
        }
        let last_desc = query.sort.first().map(|s| s.descending).unwrap_or(true);
        if !keys
            .iter()
            .any(|(_, _, t)| *t == Target::Core(CoreField::Id))
        {
            keys.push((
                self.resolve(&Target::Core(CoreField::Id), slug, "sort")
                    .expect("core"),
                last_desc,
                Target::Core(CoreField::Id),
            ));
        }
        if trigram_needle.is_some() {
            // The trigram table's rowid is the ticket's id: ordered and paged by it, the
            // table is read newest first from the cursor on.
            for (col, _, target) in keys.iter_mut() {
                if *target == Target::Core(CoreField::Id) {
                    col.expr = Expr::col((Alias::new(TITLE_TRIGRAMS), Alias::new("rowid")));
                }
            }
        }
        if joins_ext {
            // The extension table's own copy of the id: its indexes end with it, so a
            // page read from one of them is already in this order and can stop early.
            for (col, _, target) in keys.iter_mut() {
                if *target == Target::Core(CoreField::Id) {
                    col.expr = Expr::col((Alias::new("x"), Alias::new(TICKET_ID_COLUMN)));
                }
            }
        }
        if let Some(cursor) = &query.cursor {
            match decode_cursor(cursor, &keys) {
                Ok(values) => {
                    stmt.and_where(after(&keys, &values));
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        for (c, desc, _) in &keys {
            let order = if *desc { Order::Desc } else { Order::Asc };
            if c.nullable {
                stmt.order_by_expr_with_nulls(c.expr.clone(), order, NullOrdering::Last);
            } else {
                // A plain order on a NOT NULL column lets PostgreSQL walk its index
                // backwards for descending sorts (`NULLS LAST` would force a full sort).
                stmt.order_by_expr(c.expr.clone(), order);
            }
        }
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        stmt.limit(limit + 1);
        let built = self.build_page(&stmt, slug.filter(|_| joins_ext));
        Ok(PageQuery {
            stmt: built,
            keys,
            limit,
        })
    }

    /// A page query as SQL; one that reads the extension table of `ext_slug` carries its
    /// shape (`ext::shaped`), so a cached plan never outlives a change of its columns.
    fn build_page(
        &self,
        stmt: &sea_orm::sea_query::SelectStatement,
        ext_slug: Option<&str>,
    ) -> sea_orm::Statement {
        match ext_slug.and_then(|s| self.registry.get(s)) {
            Some(ty) => ext::shaped(
                self.backend(),
                stmt,
                ty.compiled.slug(),
                ext::shape_of(&ty.compiled.fields),
            ),
            None => self.backend().build(stmt),
        }
    }

    /// The ids of the teams that `team=` filters name (unknown slugs are left out: they
    /// match nothing), so the query filters on the indexed `team_id` itself.
    async fn team_ids(&self, filters: &[Filter]) -> Result<Vec<(String, i64)>> {
        let slugs: Vec<&str> = filters
            .iter()
            .filter(|f| {
                f.target == Target::Core(CoreField::Team)
                    && matches!(f.op, FilterOp::Eq | FilterOp::In)
            })
            .flat_map(|f| f.values.iter().map(String::as_str))
            .collect();
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = Query::select()
            .columns([Alias::new("slug"), Alias::new("id")])
            .from(Alias::new("teams"))
            .and_where(Expr::col(Alias::new("slug")).is_in(slugs))
            .to_owned();
        let mut out = Vec::new();
        for row in self.reader.query_all(&stmt).await? {
            out.push((row.try_get("", "slug")?, row.try_get("", "id")?));
        }
        Ok(out)
    }
}

/// A list's page query (one row more than the page, to know whether another follows),
/// with its sort keys (column, descending, what it sorts by) and the page size.
struct PageQuery {
    stmt: sea_orm::Statement,
    keys: Vec<(Column, bool, Target)>,
    limit: u64,
}

/// The needle of the query's `title.contains` filter, if it has one.
fn title_contains(filters: &[Filter]) -> Option<&str> {
    filters
        .iter()
        .find(|f| f.target == Target::Core(CoreField::Title) && f.op == FilterOp::Contains)
        .and_then(|f| f.values.first())
        .map(String::as_str)
}

/// `team=a,b`: the tickets of those teams, by id (see `team_ids`).
fn team_condition(slugs: &[String], teams: &[(String, i64)]) -> SimpleExpr {
    let ids: Vec<i64> = teams
        .iter()
        .filter(|(slug, _)| slugs.contains(slug))
        .map(|(_, id)| *id)
        .collect();
    if ids.is_empty() {
        return Expr::val(false);
    }
    Expr::col((Alias::new("t"), Alias::new("team_id"))).is_in(ids)
}

/// `status_category=a,b`: written out in the categories' own order, as literals, so that
/// the open queues' condition is word for word the one of the partial indexes built for
/// them (migration 000017; SQLite uses a partial index only then). The values come from
/// the fixed set of categories, never from the request's text.
fn status_categories(
    values: &[String],
    param: &str,
) -> std::result::Result<SimpleExpr, FieldError> {
    let mut wanted = Vec::new();
    for raw in values {
        let category = StatusCategory::parse(raw)
            .ok_or_else(|| err(param, format!("`{raw}` is not a valid status_category")))?;
        wanted.push(category);
    }
    let list: Vec<String> = StatusCategory::ALL
        .into_iter()
        .filter(|c| wanted.contains(c))
        .map(|c| format!("'{}'", c.as_str()))
        .collect();
    Ok(Expr::cust(format!(
        "\"t\".\"status_category\" IN ({})",
        list.join(", ")
    )))
}

/// Whether the text `expr` contains `needle`, ignoring case.
pub(crate) fn contains(expr: SimpleExpr, needle: &str) -> SimpleExpr {
    // `!` escapes LIKE's wildcards: unlike a backslash, it means the same in every
    // backend's string literals.
    let escaped = needle
        .replace('!', "!!")
        .replace('%', "!%")
        .replace('_', "!_");
    let pattern = format!("%{}%", escaped.to_lowercase());
    Func::lower(expr).like(LikeExpr::new(pattern).escape('!'))
}

/// Read `table` (an FTS5 table keyed by ticket id) first and each matching ticket by its
/// key: a CROSS JOIN keeps SQLite from reordering (sea-query writes it without its ON, so
/// the condition is a WHERE).
fn read_tickets_through(stmt: &mut SelectStatement, table: &str, tickets: &Alias) {
    let outer = Alias::new(table);
    stmt.from(outer.clone())
        .join_as(
            sea_orm::sea_query::JoinType::CrossJoin,
            Alias::new("tickets"),
            tickets.clone(),
            Expr::val(true),
        )
        .and_where(
            Expr::col((tickets.clone(), Alias::new("id"))).equals((outer, Alias::new("rowid"))),
        );
}
