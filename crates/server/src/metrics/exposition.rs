//! Writing the Prometheus text format (0.0.4): a `# HELP` and `# TYPE` line per family,
//! then its samples, label values escaped.

use std::fmt::Write;

#[derive(Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Start a family: its samples follow.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, String)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// A family of one unlabelled gauge.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }

    pub fn finish(self) -> String {
        self.text
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Integers without a fraction, others as Rust writes them (never an exponent the
/// format could misread), and the format's spellings of the special values.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut out = Exposition::default();
        out.family("x_total", "counter", "a \\ b\nc");
        out.sample("x_total", &[("route", "a\"b\\c\nd".into())], 3.0);
        out.sample("x_total", &[("route", "e".into())], 0.25);
        assert_eq!(
            out.finish(),
            "# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\n\
             x_total{route=\"a\\\"b\\\\c\\nd\"} 3\nx_total{route=\"e\"} 0.25\n"
        );
    }

    #[test]
    fn numbers_are_written_as_the_format_reads_them() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.000001), "0.000001");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
