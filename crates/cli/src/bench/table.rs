//! Formats what `fzmq bench` measured: the progress line printed as each
//! cell completes, and the table printed at the end. Measuring is `cell.rs`'s
//! job.

use super::cell::Measure;
use super::{Pattern, Transport};

/// One measured cell: what was measured and the result.
pub type Row = (Pattern, Transport, usize, Result<Measure, String>);

/// What the columns mean, printed under the table.
const NOTES: &str = "\
messages: received (REQ/REP: round trips); lost: sent but not received, what PUB
dropped while the subscriber's queue was full (PUSH/PULL waits instead of
dropping); time: from the first timed send to the last receive; msg/s: messages
divided by time; MB/s: 10^6 bytes of message body per second. *inproc passes
each body by reference (one shared body, no copy), so its MB/s is not a copy
rate.
";

/// `64 B`, `1 KiB`, `64 KiB`, `1 MiB`.
pub fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}

/// Formats a count with thousands separators.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The lost count of a throughput cell, with its share of what was sent
/// when something was lost. The share is rounded down, so a cell that
/// received anything never reads 100%.
fn lost(m: &Measure) -> String {
    match m.lost() {
        0 => "0".to_string(),
        n => match n * 100 / m.sent.max(1) {
            0 => format!("{} (<1%)", grouped(n)),
            pct => format!("{} ({pct}%)", grouped(n)),
        },
    }
}

/// The cell's name: `PUSH/PULL tcp 64 B`.
fn name(pattern: Pattern, transport: Transport, size: usize) -> String {
    format!(
        "{} {} {}",
        pattern.name(),
        transport.name(),
        size_name(size)
    )
}

/// The line printed when cell `i` (from 0) of `n` is done.
pub fn progress(i: usize, n: usize, row: &Row) -> String {
    let (pattern, transport, size, result) = row;
    let head = format!("[{:>2}/{n}] {}", i + 1, name(*pattern, *transport, *size));
    match result {
        Err(e) => format!("{head}: error: {e}"),
        Ok(m) if *pattern == Pattern::ReqRep => format!(
            "{head}: {:.1} µs round trip ({} round trips in {:.3} s)",
            m.round_trip_us(),
            grouped(m.received),
            m.secs
        ),
        Ok(m) => format!(
            "{head}: {} msg/s, {:.1} MB/s ({} sent, {} received, {} lost, in {:.3} s)",
            grouped(m.rate() as u64),
            m.rate() * *size as f64 / 1e6,
            grouped(m.sent),
            grouped(m.received),
            grouped(m.lost()),
            m.secs
        ),
    }
}

/// The column headers.
const HEADER: [&str; 9] = [
    "pattern",
    "transport",
    "size",
    "messages",
    "lost",
    "time",
    "msg/s",
    "MB/s",
    "latency (RTT)",
];

/// The table of `rows`, aligned, one line per cell, then what the columns
/// mean.
pub fn render(rows: &[Row]) -> String {
    let mut lines: Vec<[String; 9]> = Vec::new();
    for (pattern, transport, size, result) in rows {
        let dash = || "-".to_string();
        let [count, lost, time, rate, mbps, lat] = match result {
            Err(e) => [
                format!("error: {e}"),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Ok(m) if *pattern == Pattern::ReqRep => [
                grouped(m.received),
                dash(),
                format!("{:.3} s", m.secs),
                dash(),
                dash(),
                format!("{:.1} µs", m.round_trip_us()),
            ],
            Ok(m) => {
                let star = if *transport == Transport::Inproc {
                    "*"
                } else {
                    ""
                };
                [
                    grouped(m.received),
                    self::lost(m),
                    format!("{:.3} s", m.secs),
                    grouped(m.rate() as u64),
                    format!("{star}{:.1}", m.rate() * *size as f64 / 1e6),
                    dash(),
                ]
            }
        };
        lines.push([
            pattern.name().into(),
            transport.name().into(),
            size_name(*size),
            count,
            lost,
            time,
            rate,
            mbps,
            lat,
        ]);
    }
    let mut widths = HEADER.map(|h| h.chars().count());
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            if !cell.starts_with("error") {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let fmt_line = |cells: &[String; 9]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            // Text columns to the left, numbers to the right.
            if i < 3 || cell.starts_with("error") {
                s.push_str(&format!("{cell:<w$}"));
            } else {
                s.push_str(&format!("{cell:>w$}"));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = fmt_line(&HEADER.map(String::from));
    out.push_str(&fmt_line(&widths.map(|w| "-".repeat(w))));
    let mut last = None;
    for (line, row) in lines.iter().zip(rows) {
        if last.is_some_and(|p| p != row.0) {
            out.push('\n');
        }
        last = Some(row.0);
        out.push_str(&fmt_line(line));
    }
    out.push('\n');
    out.push_str(NOTES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_read_well() {
        assert_eq!(
            super::super::SIZES.map(size_name),
            ["64 B", "1 KiB", "64 KiB", "1 MiB"]
        );
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }

    fn rows() -> [Row; 4] {
        [
            (
                Pattern::PushPull,
                Transport::Tcp,
                64,
                Ok(Measure {
                    sent: 1_000_000,
                    received: 1_000_000,
                    secs: 0.5,
                }),
            ),
            (
                Pattern::PubSub,
                Transport::Inproc,
                1 << 20,
                Ok(Measure {
                    sent: 40_000,
                    received: 10_000,
                    secs: 0.625,
                }),
            ),
            (
                Pattern::ReqRep,
                Transport::Inproc,
                1 << 20,
                Ok(Measure {
                    sent: 5_000,
                    received: 5_000,
                    secs: 0.5,
                }),
            ),
            (Pattern::PubSub, Transport::Ipc, 1024, Err("boom".into())),
        ]
    }

    #[test]
    fn table_is_aligned_and_shows_counts_losses_and_rates() {
        let rows = rows();
        let table = render(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("pattern"), "{table}");
        // 1,000,000 in 0.5 s: 2,000,000 msg/s of 64 B, 128 MB/s; nothing lost.
        let words: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            words,
            [
                "PUSH/PULL",
                "tcp",
                "64",
                "B",
                "1,000,000",
                "0",
                "0.500",
                "s",
                "2,000,000",
                "128.0",
                "-"
            ],
            "{table}"
        );
        // 10,000 of 40,000 in 0.625 s: 16,000 msg/s of 1 MiB, 30,000 lost.
        assert!(
            lines[4].contains("10,000")
                && lines[4].contains("30,000 (75%)")
                && lines[4].contains("0.625 s")
                && lines[4].contains("16,000")
                && lines[4].contains("*16777.2"),
            "{table}"
        );
        // 5,000 round trips in 0.5 s: 100 µs each.
        assert!(
            lines[6].contains("5,000") && lines[6].contains("100.0 µs"),
            "{table}"
        );
        assert!(lines[8].contains("error: boom"), "{table}");
        let col = |l: &str| l.find("tcp").or_else(|| l.find("inproc"));
        assert_eq!(col(lines[2]), col(lines[4]));
        // Numbers are right-aligned: every row's MB/s ends where its header's
        // dashes end.
        let mbps_end = lines[1].len() - "  -------------".len();
        assert_eq!(lines[2].find("128.0").map(|i| i + 5), Some(mbps_end));
        assert_eq!(lines[4].find("16777.2").map(|i| i + 7), Some(mbps_end));
        assert!(table.ends_with(NOTES), "{table}");
    }

    #[test]
    fn lost_share_is_rounded_down() {
        let lost_of = |sent, received| {
            lost(&Measure {
                sent,
                received,
                secs: 1.0,
            })
        };
        assert_eq!(lost_of(5_000, 5_000), "0");
        assert_eq!(lost_of(1_001_000, 1_000_000), "1,000 (<1%)");
        assert_eq!(lost_of(400_000, 1_000), "399,000 (99%)");
        assert_eq!(lost_of(4_000, 1_000), "3,000 (75%)");
    }

    #[test]
    fn progress_lines_say_what_moved() {
        let rows = rows();
        assert_eq!(
            progress(0, 36, &rows[0]),
            "[ 1/36] PUSH/PULL tcp 64 B: 2,000,000 msg/s, 128.0 MB/s \
             (1,000,000 sent, 1,000,000 received, 0 lost, in 0.500 s)"
        );
        assert_eq!(
            progress(1, 36, &rows[1]),
            "[ 2/36] PUB/SUB inproc 1 MiB: 16,000 msg/s, 16777.2 MB/s \
             (40,000 sent, 10,000 received, 30,000 lost, in 0.625 s)"
        );
        assert_eq!(
            progress(2, 36, &rows[2]),
            "[ 3/36] REQ/REP inproc 1 MiB: 100.0 µs round trip (5,000 round trips in 0.500 s)"
        );
        assert_eq!(
            progress(9, 36, &rows[3]),
            "[10/36] PUB/SUB ipc 1 KiB: error: boom"
        );
    }
}
