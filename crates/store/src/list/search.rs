//! Full-text search in lists: the condition (every word, as a word or the start of one),
//! and the order by relevance of a search given without `sort`.

use docket_core::fields::ColumnKind;
use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, Expr, Order, Query, SimpleExpr};

use super::cursor::{after, decode_cursor};
use super::{Column, CoreField, DEFAULT_LIMIT, ListQuery, MAX_LIMIT, PageQuery, Target};
use crate::{Result, Store, StoreError};

/// A search ordered by relevance ranks and lists this many of the newest matches
/// (`by_relevance`): at a million tickets PostgreSQL finds them by walking the newest
/// tickets, about 35 rows per match for a word in 5% of the texts (500 took 16-25 ms of
/// the statement, 200 about a third of that). A `sort` pages through every match.
pub const SEARCH_WINDOW: u64 = 200;

/// The rank a search by relevance selects beside each ticket's columns.
pub(super) const RANK_COLUMN: &str = "search_rank";

impl Store {
    /// The page query of a search ordered by relevance. Ranking every match of a common
    /// word in a million tickets would take the whole budget of a page, so the newest
    /// `SEARCH_WINDOW` matches (with every filter applied) are ranked, best first, ties
    /// newest first; the cursor carries the rank.
    pub(super) fn by_relevance(
        &self,
        query: &ListQuery,
        mut matches: sea_orm::sea_query::SelectStatement,
        search: Search,
        ext_slug: Option<&str>,
    ) -> Result<PageQuery> {
        match search.fts_join {
            // SQLite: the FTS table (first in the FROM, see `list_statement`) read in
            // descending rowid order, so the newest matches come first and the window
            // stops the scan; `bm25` can only be computed on the row the MATCH is on.
            Some(fts) => {
                let table = Alias::new("tickets_fts");
                matches
                    .and_where(Expr::cust_with_values("\"tickets_fts\" MATCH ?", [fts]))
                    .expr_as(search.rank, Alias::new(RANK_COLUMN))
                    .order_by((table, Alias::new("rowid")), Order::Desc);
            }
            None => {
                matches
                    .expr_as(search.rank, Alias::new(RANK_COLUMN))
                    .order_by((Alias::new("t"), Alias::new("id")), Order::Desc);
            }
        }
        matches.limit(SEARCH_WINDOW);
        let w = Alias::new("w");
        let keys = vec![
            (
                Column {
                    expr: Expr::col((w.clone(), Alias::new(RANK_COLUMN))),
                    kind: ColumnKind::Number,
                    nullable: false,
                    enum_values: None,
                },
                search.best_first_descending,
                Target::Relevance,
            ),
            (
                Column {
                    expr: Expr::col((w.clone(), Alias::new("id"))),
                    kind: ColumnKind::Integer,
                    nullable: false,
                    enum_values: None,
                },
                true,
                Target::Core(CoreField::Id),
            ),
        ];
        let mut page = Query::select();
        page.column((w.clone(), sea_orm::sea_query::Asterisk))
            .from_subquery(matches, w.clone());
        if let Some(cursor) = &query.cursor {
            let values = decode_cursor(cursor, &keys).map_err(|e| StoreError::Invalid(vec![e]))?;
            page.and_where(after(&keys, &values));
        }
        for (c, desc, _) in &keys {
            page.order_by_expr(c.expr.clone(), if *desc { Order::Desc } else { Order::Asc });
        }
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        page.limit(limit + 1);
        let built = self.build_page(&page, ext_slug);
        Ok(PageQuery {
            stmt: built,
            keys,
            limit,
        })
    }

    /// A search's condition (every word, as a word or the start of one) and its rank
    /// (PostgreSQL `ts_rank` over the stored vector, higher first; SQLite FTS5's `bm25`,
    /// lower first), the ticket's own text weighed above its comments.
    pub(super) fn search(&self, q: &str) -> Option<Search> {
        let words: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(16)
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return None;
        }
        Some(match self.backend() {
            DbBackend::Postgres => {
                let tsquery = words
                    .iter()
                    .map(|w| format!("{w}:*"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                Search {
                    condition: Expr::cust_with_values(
                        "\"t\".\"search_vector\" @@ to_tsquery('simple', $1)",
                        [tsquery.clone()],
                    ),
                    rank: Expr::cust_with_values(
                        "ts_rank(\"t\".\"search_vector\", to_tsquery('simple', $1))",
                        [tsquery],
                    ),
                    best_first_descending: true,
                    fts_join: None,
                }
            }
            _ => {
                let fts = words
                    .iter()
                    .map(|w| format!("\"{w}\"*"))
                    .collect::<Vec<_>>()
                    .join(" ");
                Search {
                    condition: Expr::cust_with_values(
                        "\"t\".\"id\" IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)",
                        [fts.clone()],
                    ),
                    // Columns: the ticket's own text, then its comments.
                    rank: Expr::cust("bm25(\"tickets_fts\", 4.0, 1.0)"),
                    best_first_descending: false,
                    fts_join: Some(fts),
                }
            }
        })
    }
}

/// A full-text search, as `Store::search` builds it.
pub(super) struct Search {
    pub(super) condition: SimpleExpr,
    rank: SimpleExpr,
    /// Whether a better match has a higher rank.
    best_first_descending: bool,
    /// SQLite: the FTS5 query, for a search by relevance, which joins the FTS table
    /// (its rank exists only there) instead of using `condition`.
    pub(super) fts_join: Option<String>,
}

/// The search rank a row of a search by relevance carries (PostgreSQL's `ts_rank` is a
/// `real`: widened exactly, so the cursor compares equal to it).
pub(super) fn rank_of(row: &sea_orm::QueryResult, backend: DbBackend) -> Result<f64> {
    Ok(match backend {
        DbBackend::Postgres => f64::from(row.try_get::<f32>("", RANK_COLUMN)?),
        _ => row.try_get::<f64>("", RANK_COLUMN)?,
    })
}

/// SQLite's trigram table of titles (migration 000019), its rowid the ticket's id.
pub(super) const TITLE_TRIGRAMS: &str = "tickets_title_trgm";

/// SQLite: the tickets whose title may contain `needle`, from the title's trigram index,
/// which it can only use for a plain `LIKE` of at least three characters (no wildcard
/// to escape). PostgreSQL's trigram index serves `contains` itself.
pub(super) fn title_trigram_candidates(needle: &str) -> Option<SimpleExpr> {
    if needle.chars().count() < 3 || needle.contains(['%', '_']) {
        return None;
    }
    Some(Expr::cust_with_values(
        format!("\"t\".\"id\" IN (SELECT rowid FROM {TITLE_TRIGRAMS} WHERE title LIKE ?)"),
        [format!("%{needle}%")],
    ))
}

/// SQLite: the condition on the trigram table when it is read first (`list_statement`);
/// `needle` passed `title_trigram_candidates`.
pub(super) fn title_trigram_match(needle: &str) -> SimpleExpr {
    Expr::cust_with_values(
        format!("\"{TITLE_TRIGRAMS}\".\"title\" LIKE ?"),
        [format!("%{needle}%")],
    )
}
