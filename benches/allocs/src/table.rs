//! The report: per-message figures from a [`Window`], and the markdown tables
//! that put ferrozmq's receive allocators beside libzmq, one row per path.
//! It prints; it measures nothing.

use crate::case::{AllocKind, Body, Case, Subject};
use crate::run::Window;

/// One finished run.
pub struct Row {
    /// The path.
    pub case: Case,
    /// What ran on it.
    pub subject: Subject,
    /// What it counted.
    pub window: Window,
}

/// `count` per message of `window`, as the table writes it: `0` only for
/// none at all, three decimals below 0.01 (`<0.001` below that).
pub fn per_msg(count: u64, window: &Window) -> String {
    if count == 0 {
        return "0".to_owned();
    }
    let v = count as f64 / window.messages as f64;
    if v < 0.001 {
        "<0.001".to_owned()
    } else if v < 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.2}")
    }
}

/// A cell: heap allocations and frees per message, then the receive
/// allocator's allocations per message (`r`) when there is one.
fn cell(window: &Window) -> String {
    let heap = format!(
        "{}/{}",
        per_msg(window.heap.allocs, window),
        per_msg(window.heap.frees, window)
    );
    match window.recv {
        Some((allocs, _)) => format!("{heap} r{}", per_msg(allocs, window)),
        None => heap,
    }
}

/// A one-line account of a run, for progress on stderr.
pub fn line(row: &Row) -> String {
    let w = &row.window;
    let recv = match w.recv {
        Some((a, f)) => format!(" recv {}/{}", per_msg(a, w), per_msg(f, w)),
        None => String::new(),
    };
    format!(
        "{:<24} {:<22} heap {}/{} ({:.0} B){recv} per msg, {} msgs",
        row.subject.to_string(),
        row.case.to_string(),
        per_msg(w.heap.allocs, w),
        per_msg(w.heap.frees, w),
        w.heap.bytes as f64 / w.messages as f64,
        w.messages
    )
}

/// Prints the tables: fresh bodies with libzmq beside them, then shared
/// bodies (ferrozmq only), each with the allocators in `allocs`.
pub fn print(rows: &[Row], allocs: &[AllocKind], bodies: &[Body], libzmq: bool) {
    let mut cases: Vec<Case> = Vec::new();
    for row in rows {
        if !cases.contains(&row.case) {
            cases.push(row.case);
        }
    }
    for &body in bodies {
        let with_libzmq = libzmq && body == Body::Fresh;
        println!();
        println!(
            "{} bodies: heap allocs/frees per message over the whole process \
             (both sockets' threads, the I/O threads, every thread), \
             r = receive-allocator allocations per message",
            body.name()
        );
        println!();
        let mut head = vec!["path".to_owned()];
        if with_libzmq {
            head.push("libzmq".to_owned());
        }
        head.extend(allocs.iter().map(|a| format!("ferrozmq {}", a.name())));
        println!("| {} |", head.join(" | "));
        println!("|{}", " --- |".repeat(head.len()));
        for case in &cases {
            let find = |subject: Subject| {
                rows.iter()
                    .find(|r| r.case == *case && r.subject == subject)
                    .map_or_else(|| "-".to_owned(), |r| cell(&r.window))
            };
            let mut cells = vec![case.to_string()];
            if with_libzmq {
                cells.push(find(Subject::Libzmq));
            }
            cells.extend(allocs.iter().map(|&a| find(Subject::Ferrozmq(a, body))));
            println!("| {} |", cells.join(" | "));
        }
    }
}

#[cfg(test)]
mod tests {
    use ferrozmq_test_support::malloc_count::MallocCounts;

    use super::*;

    #[test]
    fn per_message_figures() {
        let window = Window {
            messages: 1000,
            heap: MallocCounts {
                allocs: 2000,
                frees: 3,
                bytes: 0,
            },
            recv: Some((1000, 1000)),
        };
        assert_eq!(cell(&window), "2.00/0.003 r1.00");
        assert_eq!(per_msg(0, &window), "0");
        assert_eq!(per_msg(15, &window), "0.01");
        assert_eq!(per_msg(1, &window), "0.001");
        assert_eq!(
            per_msg(
                1,
                &Window {
                    messages: 5000,
                    ..window
                }
            ),
            "<0.001"
        );
    }
}
