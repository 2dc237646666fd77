//! The `scale` table: medians of the timed windows, their spread, and each
//! row's ratios to the row of the same case and transport with the fewest
//! peers (the reference, measured in the same run). Arithmetic and text
//! only; the measuring is in the parent module.

use super::{Case, Transport, Window};

/// The median of `figures` (the mean of the middle two for an even count);
/// `None` when there are none.
pub fn median(figures: &[f64]) -> Option<f64> {
    let mut sorted = figures.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// What one row of the table holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One figure per timed window.
    Measured(Vec<Window>),
    /// Not run, and why (too few descriptors).
    Skipped(String),
    /// Run, and failed: the error.
    Failed(String),
}

impl Outcome {
    /// The medians of the windows' wall-clock and CPU figures.
    pub fn medians(&self) -> Option<(f64, Option<f64>)> {
        let Outcome::Measured(windows) = self else {
            return None;
        };
        let wall: Vec<f64> = windows.iter().map(|w| w.wall).collect();
        let cpu: Option<Vec<f64>> = windows.iter().map(|w| w.cpu).collect();
        Some((median(&wall)?, cpu.as_deref().and_then(median)))
    }
}

/// One case over one transport with one number of peers.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The pattern.
    pub case: Case,
    /// The transport.
    pub transport: Transport,
    /// How many peers.
    pub peers: usize,
    /// What came of it.
    pub outcome: Outcome,
}

/// The table: per row the medians of the windows (wall clock, with the
/// windows' spread, and CPU time of the whole process), each with its
/// ratio to the same figure of the row of the same case and transport
/// with the fewest peers (the reference, measured in the same run).
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| case | transport | peers | wall ns/msg | windows | wall ratio | CPU ns/msg | CPU ratio |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let reference = rows
            .iter()
            .filter(|r| r.case == row.case && r.transport == row.transport)
            .filter_map(|r| r.outcome.medians().map(|m| (r.peers, m)))
            .min_by_key(|&(peers, _)| peers);
        let ratio = |mine: Option<f64>, theirs: Option<f64>| match (mine, theirs, reference) {
            (Some(_), Some(_), Some((peers, _))) if peers == row.peers => "1 (ref.)".to_owned(),
            (Some(m), Some(r), Some(_)) => format!("{:.2}", m / r),
            _ => "-".to_owned(),
        };
        let cells = match (&row.outcome, row.outcome.medians()) {
            (Outcome::Measured(windows), Some((wall, cpu))) => {
                let lo = windows.iter().map(|w| w.wall).fold(f64::INFINITY, f64::min);
                let hi = windows.iter().map(|w| w.wall).fold(0.0, f64::max);
                [
                    ns(wall),
                    format!("{}-{}", ns(lo), ns(hi)),
                    ratio(Some(wall), reference.map(|(_, (w, _))| w)),
                    cpu.map_or_else(|| "-".to_owned(), ns),
                    ratio(cpu, reference.and_then(|(_, (_, c))| c)),
                ]
                .join(" | ")
            }
            (Outcome::Skipped(why), _) => format!("skipped: {why} | - | - | - | -"),
            (Outcome::Failed(why), _) => format!("failed: {why} | - | - | - | -"),
            (Outcome::Measured(_), None) => "no window | - | - | - | -".to_owned(),
        };
        out.push_str(&format!(
            "| {} (per msg {}) | {} | {} | {cells} |\n",
            row.case.name(),
            row.case.timed(),
            row.transport.name(),
            thousands(row.peers),
        ));
    }
    out
}

/// Nanoseconds, three significant digits at most.
fn ns(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// `10000` as `10 000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    fn windows(wall: &[f64], cpu: f64) -> Vec<Window> {
        wall.iter()
            .map(|&wall| Window {
                wall,
                cpu: Some(cpu),
            })
            .collect()
    }

    #[test]
    fn the_table_reads_each_row_against_the_fewest_peers() {
        let row = |peers, outcome| Row {
            case: Case::PushPull,
            transport: Transport::Tcp,
            peers,
            outcome,
        };
        let table = render(&[
            row(10, Outcome::Measured(windows(&[100.0, 300.0, 200.0], 50.0))),
            row(
                1000,
                Outcome::Measured(windows(&[400.0, 410.0, 390.0], 75.0)),
            ),
            row(10000, Outcome::Skipped("needs 20256 descriptors".into())),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[2].ends_with("| tcp | 10 | 200 | 100-300 | 1 (ref.) | 50.0 | 1 (ref.) |"));
        assert!(lines[3].ends_with("| tcp | 1 000 | 400 | 390-410 | 2.00 | 75.0 | 1.50 |"));
        assert!(
            lines[4].ends_with("| 10 000 | skipped: needs 20256 descriptors | - | - | - | - |")
        );
    }

    #[test]
    fn thousands_are_spaced() {
        assert_eq!(thousands(10), "10");
        assert_eq!(thousands(1000), "1 000");
        assert_eq!(thousands(10000), "10 000");
        assert_eq!(thousands(1234567), "1 234 567");
    }
}
