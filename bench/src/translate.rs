//! Translation time for every Supabase Studio query, inside the seeded `logs.all` endpoint
//! parsed once (as a server keeps it), per engine.
//!
//! `cargo run --release -p cinder-bench --bin translate-bench [rounds]`

#[path = "../../testdata/supabase/fixture.rs"]
mod fixture;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cinder_sql::{translate, translate_sandboxed, Sandbox, SourceTable, Sources, Target};
use fixture::{supabase_sources, testdata};

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).map_or(Ok(200), |arg| arg.parse())?;
    let sources: Sources = supabase_sources()
        .into_iter()
        .map(|source| {
            let table = SourceTable::new(source.table, Arc::new(source.schema));
            (source.name, table)
        })
        .collect();
    let endpoint_text = std::fs::read_to_string(testdata().join("../crates/cinder-server/supabase/logs.all.sql"))?;
    let started = Instant::now();
    let endpoint = Sandbox::new(&endpoint_text)?;
    let parse_endpoint = started.elapsed();
    let mut queries = Vec::new();
    for entry in std::fs::read_dir(testdata().join("golden/studio"))? {
        let path = entry?.path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            queries.push((name, std::fs::read_to_string(path.join("input.sql"))?));
        }
    }
    queries.sort();
    println!(
        "{} queries, {rounds} rounds each; parsing logs.all once: {parse_endpoint:?}",
        queries.len()
    );
    println!("{:<10} {:>10} {:>10} {:>10}", "engine", "p50", "p99", "max");
    for target in Target::ALL {
        let mut times: Vec<Duration> = Vec::with_capacity(queries.len() * rounds);
        let mut per_query = vec![Vec::with_capacity(rounds); queries.len()];
        for _ in 0..rounds {
            for (index, (name, sql)) in queries.iter().enumerate() {
                let started = Instant::now();
                let result = if name.starts_with('S') {
                    translate(sql, target, &sources)
                } else {
                    translate_sandboxed(&endpoint, sql, target, &sources)
                };
                let elapsed = started.elapsed();
                times.push(elapsed);
                per_query[index].push(elapsed);
                result?;
            }
        }
        let slow: Vec<String> = queries
            .iter()
            .zip(&mut per_query)
            .filter_map(|((name, _), times)| {
                times.sort();
                let median = times[times.len() / 2];
                (median > Duration::from_millis(1)).then(|| format!("{name} ({median:.2?})"))
            })
            .collect();
        times.sort();
        let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction) as usize];
        println!(
            "{:<10} {:>10.3?} {:>10.3?} {:>10.3?}",
            target.to_string(),
            at(0.5),
            at(0.99),
            times[times.len() - 1]
        );
        if !slow.is_empty() {
            println!("{:<10} median over 1 ms: {}", "", slow.join(", "));
        }
    }
    Ok(())
}
