//! Bad questions at every door: a date far out (chrono holds the year ±262,142, no window
//! can be built around it) or a code nobody knows is answered with a 400 (or an error)
//! naming what would be accepted: never a panic, never zeros that look like figures. The
//! command line's cases are in `cli.rs`; the window's commands call the same functions as
//! the desk over HTTP, so they are asked directly here.

use commandwall::core::model::Call;
use commandwall::services::desk_queries::{self, DeskError, DeskQuery};
use commandwall::setup::now_ms;

use crate::helpers::records;
use crate::helpers::server::{config, spawn_server, today_at};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_door_names_a_bad_date_or_an_unknown_code() {
    let config = config();
    let now = now_ms();
    let theft = Call {
        category: Some("theft".into()),
        ..records::call("c1", today_at(&config, now, 60_000))
    };
    let server = spawn_server(config.clone(), records::calls(vec![theft])).await;
    let dates = "(1900-01-01 to 9999-12-31)";
    let years = "(years 1900 to 9999)";
    let cases = [
        ("/api/desk?period=262142-12-31", dates),
        ("/api/desk?period=%2B262142-12-31", dates),
        ("/api/desk?period=-262142", years),
        ("/api/desk?period=262142-W52", years),
        ("/api/desk?period=262142-12", years),
        (
            "/api/desk?from=262142-01-01&to=262142-01-02",
            "from '262142-01-01': 262142-01-01 is outside",
        ),
        (
            "/api/desk?from=2026-01-01&to=%2B262142-12-31",
            "to '+262142-12-31'",
        ),
        ("/api/desk?from=1899-12-31&to=2026-01-01", dates),
        ("/api/zones/Z01/incidents?period=262142", years),
        (
            "/api/zones/Z01/incidents?from=-262142-01-01&to=2026-01-01",
            "from '-262142-01-01'",
        ),
        (
            "/api/desk?zone=Z99",
            "zone 'Z99' is not known; the zones are: Z01, Z02,",
        ),
        (
            "/api/desk?period=week&category=nonsense",
            "the categories are: criminal, theft,",
        ),
        (
            "/api/desk?channel=fax",
            "channel 'fax' is not known; the channels are: phone, sms,",
        ),
        (
            "/api/zones/Z99/incidents",
            "'Z99' is not one of the centre's zones (Z01, Z02,",
        ),
        (
            "/api/desk?period=day&period=week",
            "the question cannot be read",
        ),
        (
            "/api/alerts/history?from=262142&to=x",
            "from and to are times in UTC milliseconds",
        ),
        (
            "/api/alerts/history?from=10&to=5",
            "from (10) is after to (5)",
        ),
        (
            "/api/report?lang=zh&lang=en",
            "the question cannot be read (Failed to deserialize query string: duplicate field `lang`); ask with week, format, lang",
        ),
    ];
    for (path, says) in cases {
        server.bad_question(path, says).await;
    }

    // The window's commands (`desk_query`, `zone_incidents`) are these functions.
    let ask = |q: DeskQuery| {
        let (store, config) = (server.db.store.clone(), config.clone());
        async move { desk_queries::query(&store, &config, &q, now).await }
    };
    for (q, says) in [
        (
            DeskQuery {
                period: Some("262142-12-31".into()),
                ..DeskQuery::default()
            },
            dates,
        ),
        (
            DeskQuery {
                from: Some("-262142-01-01".into()),
                to: Some("2026-01-01".into()),
                ..DeskQuery::default()
            },
            "from '-262142-01-01'",
        ),
        (
            DeskQuery {
                category: Some("nonsense".into()),
                ..DeskQuery::default()
            },
            "the categories are:",
        ),
    ] {
        match ask(q.clone()).await {
            Err(DeskError::Query(m)) => assert!(m.contains(says), "{q:?}: {m}"),
            other => panic!("{q:?}: {:?}", other.map(|a| a.tiles.len())),
        }
    }
    let drill = desk_queries::zone_incidents(
        &server.db.store,
        &config,
        "Z01",
        &DeskQuery {
            period: Some("-262142".into()),
            ..DeskQuery::default()
        },
        now,
    )
    .await;
    assert!(matches!(drill, Err(DeskError::Query(m)) if m.contains(years)));

    // Known codes still answer, and a class (刑事) counts the items under it (盗窃).
    for path in ["/api/desk?category=theft", "/api/desk?category=criminal"] {
        let desk = server.json(path).await;
        assert_eq!(desk["tiles"][0]["key"], "calls");
        assert_eq!(
            desk["tiles"][0]["value"].as_f64(),
            Some(1.0),
            "{path}: {}",
            desk["tiles"][0]
        );
    }
    let desk = server
        .json("/api/desk?category=fraud&channel=sms&zone=Z01")
        .await;
    assert_eq!(
        desk["tiles"][0]["value"].as_f64(),
        Some(0.0),
        "a known cut with none is 0"
    );
}
