//! A source that names things at length: a category of 26 Chinese characters (a thousand
//! of them, free text), seats and units the centre does not know, departments in full.
//! The category chart keeps its bars (the label is shortened with "…"), and the state sent
//! every second stays about the size it has with plain names.

use commandwall::config::Config;
use commandwall::core::model::{Batch, Call, Incident, Millis, WorkOrder};
use commandwall::setup::now_ms;
use serde_json::Value;

use crate::helpers::records;
use crate::helpers::server::{config, spawn_server, today_at, TestServer, TOKEN};

/// A category as a source wrote it: 26 Chinese characters, and a number.
fn long_category(i: usize) -> String {
    let name = "因邻里纠纷引发矛盾激化并造成人员受伤需要出警处置的";
    assert_eq!(name.chars().count(), 25);
    format!("{name}{}", char::from_u32(0x4e00 + i as u32).unwrap())
}

const CALLS: usize = 1_000;

/// Today's calls, incidents held open by units and overdue work orders, named plainly
/// (the centre's own codes) or at length.
fn fixture(config: &Config, now: Millis, long: bool) -> Batch {
    let at = |i: usize| today_at(config, now, 60_000 + i as Millis * 10);
    let plain_categories = ["theft", "fraud", "fight", "accident", "medical", "lockout"];
    let calls = (0..CALLS)
        .map(|i| Call {
            category: Some(if long {
                long_category(i)
            } else {
                plain_categories[i % plain_categories.len()].into()
            }),
            seat: Some(if long {
                format!("临时增援席位{i:04}{}", "（跨区调度支援）".repeat(3))
            } else {
                format!("S{:02}", i % 16 + 1)
            }),
            ..records::call(&format!("c{i}"), at(i))
        })
        .collect();
    let incidents = (0..300)
        .map(|i| Incident {
            unit: Some(if long {
                format!("外区支援警力第{i:04}组{}", "（机动）".repeat(5))
            } else {
                format!("Z01-U{}", i % 2 + 1)
            }),
            ..records::incident(&format!("i{i}"), at(i))
        })
        .collect();
    let work_orders = (0..80)
        .map(|i| WorkOrder {
            department: Some(if long {
                "市住房和城乡建设局物业管理与房屋安全监督科".repeat(3)
            } else {
                "住建局".into()
            }),
            due: Some(now - 3_600_000 - i as Millis),
            ..records::work_order(&format!("w{i}"), now - 86_400_000)
        })
        .collect();
    Batch {
        calls,
        incidents,
        work_orders,
        ..Default::default()
    }
}

/// The state once the pages carry the fixture's categories, seats and overdue orders:
/// its size over HTTP and as one event of the stream, and the state itself.
async fn measured(server: &TestServer) -> (usize, usize, Value) {
    let (_, state) = server
        .wait_state(
            "the fixture on the pages",
            |s| {
                let d = &s["pages"]["diversion"];
                (
                    d["categories"].as_array().map_or(0, Vec::len),
                    d["overdue_open"].as_u64(),
                    s["charts"]["categories.zh-CN"].is_string(),
                )
            },
            |(categories, overdue, chart)| *categories > 0 && *overdue == Some(80) && *chart,
        )
        .await;
    let body = server.get("/api/state").await.body;
    let event = server
        .first_event(&format!("/api/events?token={TOKEN}"))
        .await;
    (body.len(), event.len(), state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_labels_keep_the_bars_and_the_per_second_state_small() {
    let config = config();
    let now = now_ms();
    let plain = spawn_server(config.clone(), fixture(&config, now, false)).await;
    let (plain_body, plain_event, _) = measured(&plain).await;
    drop(plain);
    let long = spawn_server(config.clone(), fixture(&config, now, true)).await;
    let (long_body, long_event, state) = measured(&long).await;
    println!(
        "# per-second state: plain names {plain_body} B (event {plain_event} B); \
         long names {long_body} B (event {long_event} B)"
    );
    // Bounded, whatever the source writes: its texts cut to 24 characters, its lists to the
    // busiest few (16 classes, 16 seats and 16 units beyond the centre's, 50 overdue
    // orders). Measured: 29.6 KB with plain names, 44.1 KB with these (unbounded, the same
    // fixture made 725 KB).
    assert!(
        long_body <= plain_body + 16_000 && long_body <= 48_000,
        "the state grew from {plain_body} B to {long_body} B"
    );
    assert!(
        long_event <= plain_event + 16_000 && long_event <= 48_000,
        "{plain_event} B → {long_event} B"
    );

    let d = &state["pages"]["diversion"];
    let categories = d["categories"].as_array().unwrap();
    assert_eq!(
        categories.len(),
        16,
        "the largest classes and the rest summed"
    );
    assert_eq!(categories[15]["code"], "_other");
    let total: u64 = categories.iter().filter_map(|c| c["calls"].as_u64()).sum();
    assert_eq!(total, CALLS as u64, "every call is in the mix");
    assert_eq!(d["overdue"].as_array().map(Vec::len), Some(50));
    let seats = state["pages"]["seats"]["seats"].as_array().unwrap();
    assert_eq!(
        seats.len(),
        16 + 16,
        "the centre's seats and the busiest 16 others"
    );
    for text in [
        &categories[0]["zh"],
        &seats[20]["name"],
        &d["overdue"][0]["department"],
    ] {
        let t = text.as_str().unwrap();
        assert!(t.chars().count() <= 24 && t.ends_with('…'), "{t}");
    }

    // The chart draws the label shortened, the bars as wide as with plain names.
    let svg = long.get("/api/charts/categories.zh-CN").await.body;
    assert!(
        !svg.contains(&long_category(0)),
        "the whole label is not drawn"
    );
    assert!(svg.contains("因邻里纠纷") && svg.contains('…'));
    let widest = svg
        .split("<rect")
        .skip(2)
        .filter_map(|r| {
            r.split("width=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .fold(0.0, f64::max);
    assert!(widest >= 400.0, "the longest bar is {widest} px of 1000");

    // The desk has the full text: a zone's incidents name their unit whole.
    let rows = long.json("/api/zones/Z01/incidents").await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 300);
    let unit = rows[0]["unit"].as_str().unwrap();
    assert!(unit.chars().count() > 24 && !unit.contains('…'), "{unit}");
}
