//! Printing the figures: each backend's report, latency tables with their ratios, and the
//! summary table with a column per backend.

use super::*;
use crate::list::{HTTP, JSON, STORE, TYPED};

fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 {
        "-".into()
    } else {
        format!("{:.2}", a / b)
    }
}

fn create_paths(r: &Report) -> [(&'static str, &Vec<(usize, Rate)>); 3] {
    [
        ("API (HTTP POST)", &r.api),
        ("Store::create_ticket + get_ticket", &r.direct),
        ("raw SQL (tickets + ext row)", &r.raw),
    ]
}

pub(crate) fn print_report(r: &Report) {
    println!(
        "\n{} {}: {} tickets ({} through the API, {} through the store, {} by raw SQL, {} seeded by bulk SQL in {:.1} s; JSON copy + ANALYZE {:.1} s)",
        r.backend,
        r.version,
        r.tickets,
        2 * r.per_run,
        2 * r.per_run,
        2 * r.per_run,
        r.seeded,
        r.seed_time.as_secs_f64(),
        r.json_copy_time.as_secs_f64()
    );
    println!(
        "| creates ({} per run) | concurrency | creates/s | / raw SQL | p50 | p99 | retried |",
        r.per_run
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (i, c) in CONCURRENCY.iter().enumerate() {
        let limit = r.raw[i].1.per_second();
        for (name, runs) in create_paths(r) {
            let x = &runs[i].1;
            println!(
                "| {name} | {c} | {:.0} | {} | {} | {} | {} |",
                x.per_second(),
                ratio(x.per_second(), limit),
                ms(percentile(&x.latencies, 50.0)),
                ms(percentile(&x.latencies, 99.0)),
                x.retries
            );
        }
    }
    let json = r.list(JSON);
    print_latencies(
        &format!(
            "list ({} matching of {}, {} runs)",
            r.matching,
            r.tickets,
            json.samples.len()
        ),
        &r.lists,
        json,
        "JSON",
    );
}

/// A table of latencies: p50 and p99 of each, and their ratios to `reference`'s.
pub(crate) fn print_latencies(
    title: &str,
    rows: &[Latency],
    reference: &Latency,
    reference_name: &str,
) {
    let r50 = percentile(&reference.samples, 50.0).as_secs_f64();
    let r99 = percentile(&reference.samples, 99.0).as_secs_f64();
    println!("\n| {title} | p50 | p99 | p50 / {reference_name} | p99 / {reference_name} |");
    println!("|---|---:|---:|---:|---:|");
    for l in rows {
        let p50 = percentile(&l.samples, 50.0);
        let p99 = percentile(&l.samples, 99.0);
        println!(
            "| {} | {} | {} | {} | {} |",
            l.name,
            ms(p50),
            ms(p99),
            ratio(p50.as_secs_f64(), r50),
            ratio(p99.as_secs_f64(), r99)
        );
    }
}

/// Print the header of a summary table with a column per report, and return the
/// printer of one row: a figure's name and its value per report.
pub(crate) fn summary_table<'a, R>(
    reports: &'a [R],
    column: impl Fn(&R) -> String,
) -> impl Fn(String, &dyn Fn(&R) -> String) + 'a {
    println!("\n== Summary ==");
    let mut header = "| figure |".to_string();
    let mut rule = "|---|".to_string();
    for r in reports {
        header.push_str(&format!(" {} |", column(r)));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    move |name: String, f: &dyn Fn(&R) -> String| {
        let mut s = format!("| {name} |");
        for r in reports {
            s.push_str(&format!(" {} |", f(r)));
        }
        println!("{s}");
    }
}

pub(crate) fn print_summary(reports: &[Report]) {
    let line = summary_table(reports, |r| r.backend.to_string());
    for (i, c) in CONCURRENCY.iter().enumerate() {
        for (name, _) in create_paths(&reports[0]) {
            line(format!("creates/s, concurrency {c}, {name}"), &|r| {
                let runs = create_paths(r)
                    .into_iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, runs)| runs)
                    .expect("same paths");
                format!(
                    "{:.0} ({} of raw)",
                    runs[i].1.per_second(),
                    ratio(runs[i].1.per_second(), r.raw[i].1.per_second())
                )
            });
        }
        line(
            format!("creates retried after a failure, concurrency {c}"),
            &|r| {
                format!(
                    "API {}, store {}",
                    r.api[i].1.retries, r.direct[i].1.retries
                )
            },
        );
    }
    for name in [HTTP, STORE, TYPED, JSON] {
        line(format!("list p50 / p99, {name}"), &|r| {
            let l = r.list(name);
            format!(
                "{} / {}",
                ms(percentile(&l.samples, 50.0)),
                ms(percentile(&l.samples, 99.0))
            )
        });
    }
    line(format!("list p50 ratio, {STORE} / JSON"), &|r| {
        ratio(
            percentile(&r.list(STORE).samples, 50.0).as_secs_f64(),
            percentile(&r.list(JSON).samples, 50.0).as_secs_f64(),
        )
    });
    line(format!("list p50 ratio, {TYPED} / JSON"), &|r| {
        ratio(
            percentile(&r.list(TYPED).samples, 50.0).as_secs_f64(),
            percentile(&r.list(JSON).samples, 50.0).as_secs_f64(),
        )
    });
}
