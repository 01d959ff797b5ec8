//! `LogEvent::memory_size` against what the allocator actually hands out for parsed events.
//! The pending-events bound counts it, so it must not be far from the truth for any shape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use cinder_core::{normalize, LogEvent, NormalizeOptions};
use serde_json::{json, Value};

/// Counts the bytes live on the heap, each allocation charged 16 bytes of overhead as glibc does.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize + 16, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize + 16, Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The heap `count` events parsed from `text` occupy, per event, and the estimate's.
fn measured(text: &str, count: usize) -> (f64, f64) {
    let mut events: Vec<LogEvent> = Vec::with_capacity(count);
    let before = LIVE.load(Ordering::SeqCst);
    for _ in 0..count {
        let Value::Object(raw) = serde_json::from_str(text).expect("json") else {
            panic!("an object")
        };
        events.push(normalize(raw, &NormalizeOptions::default(), 0));
    }
    let actual = (LIVE.load(Ordering::SeqCst) - before) as f64 / count as f64;
    // The Vec's slots were allocated before: count each event's inline size as its own.
    let actual = actual + std::mem::size_of::<LogEvent>() as f64;
    let estimated = events.iter().map(LogEvent::memory_size).sum::<usize>() as f64 / count as f64;
    (actual, estimated)
}

#[test]
fn the_estimate_is_close_to_the_heap_for_every_shape() {
    let long = "x".repeat(5000);
    let shapes = [
        (
            "API gateway",
            json!({
                "event_message": "172.18.0.1 - - [01/Jun/2026:10:00:00 +0000] \"GET /rest/v1/todos HTTP/1.1\" 200 245",
                "timestamp": "2026-06-01T10:00:00.000000Z",
                "metadata": {
                    "request": {
                        "headers": {"cf_connecting_ip": "172.18.0.1", "user_agent": "Mozilla/5.0", "x_client_info": "supabase-js/2.45.0"},
                        "method": "GET", "path": "/rest/v1/todos?select=*", "protocol": "HTTP/1.1"
                    },
                    "response": {"status_code": 200, "origin_time": 12}
                },
                "project": "default"
            }),
        ),
        ("flat", json!({"message": "hello", "level": "info", "n": 1})),
        (
            "wide",
            Value::Object((0..40).map(|i| (format!("field_{i}"), json!(i))).collect()),
        ),
        (
            "deep",
            (0..30).fold(json!({"leaf": "value"}), |inner, _| json!({"child": inner})),
        ),
        (
            "arrays",
            json!({"tags": ["a", "b", "c"], "spans": [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]}),
        ),
        ("long text", json!({"message": long})),
    ];
    for (name, shape) in shapes {
        let (actual, estimated) = measured(&shape.to_string(), 200);
        let ratio = estimated / actual;
        println!("{name}: {actual:.0} bytes on the heap, {estimated:.0} estimated ({ratio:.2})");
        assert!(
            (0.75..=1.5).contains(&ratio),
            "{name}: estimated {estimated:.0} bytes for {actual:.0} on the heap"
        );
    }
}
