//! SLA report arithmetic: met and breached counts and rates, median and 90th percentile
//! of business time, per group, and the CSV export.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::policy::Metric;

/// The percentile `p` (0 to 1) of sorted values by linear interpolation between the
/// closest ranks, as PostgreSQL's `percentile_cont` and Excel's `PERCENTILE.INC`
/// compute it. None for no values or a `p` outside 0 to 1.
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "values are sorted");
    let rank = p * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    Some(a + (rank - lo as f64) * (b - a))
}

/// What a report's rows are per.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    Priority,
    /// The ticket type.
    Type,
    Team,
    Assignee,
}

impl GroupBy {
    pub const ALL: [GroupBy; 4] = [
        GroupBy::Priority,
        GroupBy::Type,
        GroupBy::Team,
        GroupBy::Assignee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Priority => "priority",
            GroupBy::Type => "type",
            GroupBy::Team => "team",
            GroupBy::Assignee => "assignee",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// One finished or breached clock, as the store hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockRecord {
    /// The group's value (a priority, type slug, team slug or assignee).
    pub group: String,
    pub metric: Metric,
    pub breached: bool,
    pub finished: bool,
    /// Business seconds from start to stop (finished clocks only).
    pub business_seconds: Option<i64>,
}

/// The figures of one metric in one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricStats {
    /// Met plus breached.
    pub total: u64,
    /// Finished within the target.
    pub met: u64,
    /// Breached, finished or not.
    pub breached: u64,
    /// met / total; null when total is 0.
    pub met_rate: Option<f64>,
    /// breached / total; null when total is 0.
    pub breached_rate: Option<f64>,
    /// Median business time of the finished clocks, in seconds.
    pub median_seconds: Option<f64>,
    /// 90th percentile business time of the finished clocks, in seconds.
    pub p90_seconds: Option<f64>,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportRow {
    pub group: String,
    pub first_response: MetricStats,
    pub next_response: MetricStats,
    pub resolution: MetricStats,
}

#[derive(Default)]
struct Tally {
    met: u64,
    breached: u64,
    seconds: Vec<i64>,
}

impl Tally {
    fn add(&mut self, r: &ClockRecord) {
        if r.breached {
            self.breached += 1;
        } else if r.finished {
            self.met += 1;
        }
        if r.finished
            && let Some(s) = r.business_seconds
        {
            self.seconds.push(s);
        }
    }

    fn is_empty(&self) -> bool {
        self.met == 0 && self.breached == 0 && self.seconds.is_empty()
    }

    fn stats(mut self) -> MetricStats {
        self.seconds.sort_unstable();
        let total = self.met + self.breached;
        let rate = |n: u64| (total > 0).then(|| n as f64 / total as f64);
        MetricStats {
            total,
            met: self.met,
            breached: self.breached,
            met_rate: rate(self.met),
            breached_rate: rate(self.breached),
            median_seconds: percentile(&self.seconds, 0.5).map(to_millis),
            p90_seconds: percentile(&self.seconds, 0.9).map(to_millis),
        }
    }
}

/// One exit survey answer, labelled by the report's grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRecord {
    pub group: String,
    /// 1 to 5.
    pub rating: u8,
}

/// Requesters' satisfaction in one group: how many answered and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionRow {
    pub group: String,
    pub responses: u64,
    /// Mean rating, 1 to 5, to two decimals; null without answers.
    pub average: Option<f64>,
    /// Answers rated 4 or 5, over all answers (the usual CSAT score); null without answers.
    pub satisfied_rate: Option<f64>,
    /// How many answered 1, 2, 3, 4 and 5.
    pub ratings: [u64; 5],
}

impl SatisfactionRow {
    fn new(group: String, records: &[&SurveyRecord]) -> SatisfactionRow {
        let mut ratings = [0u64; 5];
        for r in records {
            if (1..=5).contains(&r.rating) {
                ratings[usize::from(r.rating - 1)] += 1;
            }
        }
        let responses: u64 = ratings.iter().sum();
        let sum: u64 = ratings
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64 + 1) * n)
            .sum();
        let rate = |n: u64| (responses > 0).then(|| n as f64 / responses as f64);
        SatisfactionRow {
            group,
            responses,
            average: rate(sum).map(|a| (a * 100.0).round() / 100.0),
            satisfied_rate: rate(ratings[3] + ratings[4]),
            ratings,
        }
    }
}

/// One satisfaction row per group with answers, sorted by group.
pub fn satisfaction(records: &[SurveyRecord]) -> Vec<SatisfactionRow> {
    let mut groups: BTreeMap<&str, Vec<&SurveyRecord>> = BTreeMap::new();
    for r in records {
        groups.entry(r.group.as_str()).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(g, rs)| SatisfactionRow::new(g.to_string(), &rs))
        .collect()
}

/// All answers as one row, named "total".
pub fn satisfaction_total(records: &[SurveyRecord]) -> SatisfactionRow {
    SatisfactionRow::new("total".into(), &records.iter().collect::<Vec<_>>())
}

/// Rounded to the millisecond: hides floating-point noise (222.00000000000003).
fn to_millis(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

#[derive(Default)]
struct Tallies([Tally; 3]);

impl Tallies {
    fn add(&mut self, r: &ClockRecord) {
        let i = Metric::ALL
            .iter()
            .position(|m| *m == r.metric)
            .expect("every metric is in ALL");
        self.0[i].add(r);
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(Tally::is_empty)
    }

    fn row(self, group: String) -> ReportRow {
        let [first_response, next_response, resolution] = self.0.map(Tally::stats);
        ReportRow {
            group,
            first_response,
            next_response,
            resolution,
        }
    }
}

/// One row per group, sorted by group. Running clocks that have not breached count
/// nowhere; a group with nothing else is left out.
pub fn aggregate(records: &[ClockRecord]) -> Vec<ReportRow> {
    let mut groups: BTreeMap<&str, Tallies> = BTreeMap::new();
    for r in records {
        groups.entry(r.group.as_str()).or_default().add(r);
    }
    groups
        .into_iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(g, t)| t.row(g.to_string()))
        .collect()
}

/// All records as one row, named "total".
pub fn totals(records: &[ClockRecord]) -> ReportRow {
    let mut t = Tallies::default();
    for r in records {
        t.add(r);
    }
    t.row("total".to_string())
}

/// The rows as CSV (RFC 4180, CRLF line ends): a header, then one line per row. Rates
/// have four decimals, seconds up to three; an absent figure is an empty cell.
/// The report as CSV: one line per group, the SLA figures then the exit survey's
/// (responses, average, rated 4 or 5, the five counts). A group with answers but no
/// SLA clock gets empty SLA cells, and the other way round.
pub fn to_csv(rows: &[ReportRow], satisfaction: &[SatisfactionRow], group_by: GroupBy) -> String {
    const SLA_COLUMNS: [&str; 6] = [
        "total",
        "met",
        "breached",
        "met_rate",
        "median_seconds",
        "p90_seconds",
    ];
    let mut out = String::new();
    let mut header = vec![group_by.as_str().to_string()];
    for m in Metric::ALL {
        for col in SLA_COLUMNS {
            header.push(format!("{}_{col}", m.as_str()));
        }
    }
    header.extend(
        ["responses", "average", "satisfied_rate"]
            .iter()
            .map(|c| format!("satisfaction_{c}")),
    );
    header.extend((1..=5).map(|n| format!("satisfaction_rated_{n}")));
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    let mut groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    for s in satisfaction {
        if !groups.contains(&s.group.as_str()) {
            groups.push(&s.group);
        }
    }
    for group in groups {
        out.push_str(&csv_field(group));
        let mut cells: Vec<String> = Vec::new();
        match rows.iter().find(|r| r.group == group) {
            Some(row) => {
                for s in [&row.first_response, &row.next_response, &row.resolution] {
                    cells.extend([
                        s.total.to_string(),
                        s.met.to_string(),
                        s.breached.to_string(),
                        s.met_rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
                        s.median_seconds.map(seconds_cell).unwrap_or_default(),
                        s.p90_seconds.map(seconds_cell).unwrap_or_default(),
                    ]);
                }
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 3 * SLA_COLUMNS.len())),
        }
        match satisfaction.iter().find(|s| s.group == group) {
            Some(s) => {
                cells.extend([
                    s.responses.to_string(),
                    s.average.map(|a| format!("{a:.2}")).unwrap_or_default(),
                    s.satisfied_rate
                        .map(|r| format!("{r:.4}"))
                        .unwrap_or_default(),
                ]);
                cells.extend(s.ratings.iter().map(u64::to_string));
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 8)),
        }
        for c in cells {
            out.push(',');
            out.push_str(&c);
        }
        out.push_str("\r\n");
    }
    out
}

/// Quoted when it holds a comma, a quote or a line break; quotes doubled. A cell that a
/// spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return: a team or assignee name someone chose) gets a leading `'`, so it
/// opens as the text it is.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Seconds with up to three decimals, no trailing zeros: 150, 150.5, 0.125.
fn seconds_cell(s: f64) -> String {
    let text = format!("{s:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(group: &str, metric: Metric, breached: bool, seconds: Option<i64>) -> ClockRecord {
        ClockRecord {
            group: group.to_string(),
            metric,
            breached,
            finished: seconds.is_some(),
            business_seconds: seconds,
        }
    }

    #[test]
    fn satisfaction_counts_averages_and_csat() {
        let answer = |group: &str, rating| SurveyRecord {
            group: group.into(),
            rating,
        };
        let records = [
            answer("P1", 5),
            answer("P1", 4),
            answer("P1", 1),
            answer("P2", 3),
        ];
        let rows = satisfaction(&records);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].responses, 3);
        assert_eq!(rows[0].average, Some(3.33));
        assert_eq!(rows[0].satisfied_rate, Some(2.0 / 3.0));
        assert_eq!(rows[0].ratings, [1, 0, 0, 1, 1]);
        let total = satisfaction_total(&records);
        assert_eq!(total.responses, 4);
        assert_eq!(total.average, Some(3.25));
        assert_eq!(satisfaction_total(&[]).average, None);
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let v = [60, 120, 180, 240];
        assert_eq!(percentile(&v, 0.5), Some(150.0));
        assert!((percentile(&v, 0.9).unwrap() - 222.0).abs() < 1e-9);
        assert_eq!(percentile(&v, 0.0), Some(60.0));
        assert_eq!(percentile(&v, 1.0), Some(240.0));
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
        assert_eq!(percentile(&[1, 2, 3], 0.5), Some(2.0));
        // PostgreSQL: percentile_cont(0.25) of 1..=10 is 3.25.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 0.25), Some(3.25));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&v, 1.5), None);
        assert_eq!(percentile(&v, f64::NAN), None);
    }

    #[test]
    fn counts_rates_and_times_per_group() {
        use Metric::*;
        let records = vec![
            rec("P1", FirstResponse, false, Some(60)),
            rec("P1", FirstResponse, false, Some(120)),
            rec("P1", FirstResponse, true, Some(240)),
            rec("P1", FirstResponse, false, Some(180)),
            // Breached and still running: counted as breached, no time.
            rec("P1", Resolution, true, None),
            // Running, not breached: counts nowhere.
            rec("P1", Resolution, false, None),
            rec("P0", NextResponse, false, Some(30)),
            rec("P3", Resolution, false, None),
        ];
        let rows = aggregate(&records);
        assert_eq!(
            rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(),
            vec!["P0", "P1"],
            "sorted, and P3 had nothing to count"
        );
        let p1 = &rows[1];
        assert_eq!(
            p1.first_response,
            MetricStats {
                total: 4,
                met: 3,
                breached: 1,
                met_rate: Some(0.75),
                breached_rate: Some(0.25),
                median_seconds: Some(150.0),
                p90_seconds: Some(222.0),
            }
        );
        assert_eq!(
            p1.resolution,
            MetricStats {
                total: 1,
                met: 0,
                breached: 1,
                met_rate: Some(0.0),
                breached_rate: Some(1.0),
                median_seconds: None,
                p90_seconds: None,
            }
        );
        assert_eq!(p1.next_response, MetricStats::default());
        assert_eq!(rows[0].next_response.median_seconds, Some(30.0));

        let all = totals(&records);
        assert_eq!(all.group, "total");
        assert_eq!(all.first_response, p1.first_response);
        assert_eq!((all.resolution.total, all.resolution.breached), (1, 1));
        assert_eq!(all.next_response.total, 1);
        assert_eq!(totals(&[]).first_response, MetricStats::default());
    }

    #[test]
    fn csv_export() {
        use Metric::*;
        let records = vec![
            rec("Ops, \"Tier 2\"", FirstResponse, false, Some(60)),
            rec("Ops, \"Tier 2\"", FirstResponse, true, Some(121)),
            rec("Ops, \"Tier 2\"", FirstResponse, false, Some(180)),
            rec("ada", Resolution, false, Some(3600)),
        ];
        let surveys = vec![
            SurveyRecord {
                group: "ada".into(),
                rating: 5,
            },
            SurveyRecord {
                group: "ada".into(),
                rating: 2,
            },
            SurveyRecord {
                group: "=bob".into(),
                rating: 4,
            },
        ];
        let csv = to_csv(&aggregate(&records), &satisfaction(&surveys), GroupBy::Team);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "team,first_response_total,first_response_met,first_response_breached,\
             first_response_met_rate,first_response_median_seconds,first_response_p90_seconds,\
             next_response_total,next_response_met,next_response_breached,\
             next_response_met_rate,next_response_median_seconds,next_response_p90_seconds,\
             resolution_total,resolution_met,resolution_breached,resolution_met_rate,\
             resolution_median_seconds,resolution_p90_seconds,\
             satisfaction_responses,satisfaction_average,satisfaction_satisfied_rate,\
             satisfaction_rated_1,satisfaction_rated_2,satisfaction_rated_3,\
             satisfaction_rated_4,satisfaction_rated_5"
        );
        // p90 of 60, 121, 180: 121 + 0.8 × 59 = 168.2.
        assert_eq!(
            lines[1],
            "\"Ops, \"\"Tier 2\"\"\",3,2,1,0.6667,121,168.2,0,0,0,,,,0,0,0,,,,,,,,,,,"
        );
        assert_eq!(
            lines[2],
            "ada,0,0,0,,,,0,0,0,,,,1,1,0,1.0000,3600,3600,2,3.50,0.5000,0,1,0,0,1"
        );
        // Answers without SLA figures still get their line (the name neutralised).
        assert_eq!(lines[3], "'=bob,,,,,,,,,,,,,,,,,,,1,4.00,1.0000,0,0,0,1,0");
        assert_eq!(lines[4], "", "the last line ends with CRLF too");
        assert_eq!(lines.len(), 5);
        assert_eq!(
            to_csv(&[], &[], GroupBy::Assignee).split(',').next(),
            Some("assignee")
        );
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        for formula in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "=HYPERLINK(\"x\",\"y\")",
        ] {
            let cell = csv_field(formula);
            assert!(
                cell.starts_with("'") || cell.starts_with("\"'"),
                "{formula}: {cell}"
            );
        }
        assert_eq!(csv_field("it"), "it");
        assert_eq!(seconds_cell(0.125), "0.125");
        assert_eq!(seconds_cell(150.0), "150");
        assert_eq!(seconds_cell(1500.0), "1500");
    }

    #[test]
    fn group_by_names() {
        for g in GroupBy::ALL {
            assert_eq!(GroupBy::parse(g.as_str()), Some(g));
            assert_eq!(
                serde_json::to_value(g).unwrap(),
                serde_json::json!(g.as_str())
            );
        }
        assert_eq!(GroupBy::parse("org"), None);
    }
}
