//! The machine a `cargo xtask compare` run ran on (CPU, cores, kernel, load,
//! date), read from `/proc` for the README section.

use std::fs;
use std::path::Path;
use std::thread;

use crate::command::Cmd;

/// What the run ran on.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    pub(crate) date: String,
    cpu: String,
    cores: usize,
    kernel: String,
    load: String,
}

impl Machine {
    pub(crate) fn probe(root: &Path) -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = match cpuinfo
            .lines()
            .filter(|l| l.split(':').next().is_some_and(|k| k.trim() == "processor"))
            .count()
        {
            0 => thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let read = |p: &str| fs::read_to_string(p).unwrap_or_default().trim().to_owned();
        let load = read("/proc/loadavg")
            .split_whitespace()
            .next()
            .unwrap_or("?")
            .to_owned();
        let date = Cmd::new("date", root)
            .args(["-u", "+%F"])
            .quiet()
            .output()
            .map(|d| d.trim().to_owned())
            .unwrap_or_else(|_| "an unknown date".into());
        Machine {
            date,
            cpu,
            cores,
            kernel: read("/proc/sys/kernel/osrelease"),
            load,
        }
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "{}, {} cores, Linux {}, load average {} when it started",
            self.cpu, self.cores, self.kernel, self.load
        )
    }
}
