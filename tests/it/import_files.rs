//! Files as offices make them: GBK text from Excel on a Chinese desktop, CRLF line ends;
//! and what an import leaves behind: problems logged once however often a file is
//! imported, and an import that stopped marked as interrupted.

use commandwall::import::{import_file, Mapping};
use sqlx::Connection;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};

/// A mapping for an export a Chinese centre's CAD writes: Chinese column names and codes.
pub const GBK_MAPPING: &str = r#"
name = "gbk"
source = "gbk"
record = "incident"
id = "编号"
time_formats = ["%Y-%m-%d %H:%M:%S"]
time_zone = "Asia/Shanghai"
encoding = "gb18030"

[fields]
received = "接警时间"
category = "类别"
address = "地址"

[values.category]
unknown = "warn"
[values.category.map]
"盗窃" = "theft"
"火灾" = "fire"
"#;

/// Three rows as Excel saves them on a Chinese desktop: GBK, CRLF; line 3's category is
/// one the mapping does not know.
const GBK_TEXT: &str = "编号,接警时间,类别,地址\r\n\
    A1,2026-11-20 08:00:00,盗窃,新华路12号\r\n\
    A2,2026-11-20 09:00:00,扰民,人民路3号\r\n\
    A3,2026-11-20 10:00:00,火灾,解放路8号\r\n";

pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[tokio::test]
async fn a_gbk_file_imports_under_a_mapping_that_names_its_encoding() {
    let db = TestDb::new().await;
    let path = db.path("gbk.csv");
    std::fs::write(&path, gbk(GBK_TEXT)).unwrap();
    let map: Mapping = toml::from_str(GBK_MAPPING).unwrap();
    map.validate().unwrap();
    let s = import_file(&db.store, &path, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    assert_eq!((s.rows_read, s.rows_stored, s.rows_rejected), (3, 3, 0));
    let named: Vec<String> = s
        .issues
        .iter()
        .map(|i| {
            format!(
                "{}:{} {}",
                i.line.unwrap(),
                i.raw_value.as_deref().unwrap(),
                i.reason
            )
        })
        .collect();
    assert_eq!(
        named,
        ["3:扰民 unknown category code, field left empty: valid: 火灾, 盗窃"]
    );
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let stored: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT source_id, category, address FROM calls ORDER BY source_id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let want = [
        ("A1", Some("theft"), Some("新华路12号")),
        ("A2", None, Some("人民路3号")),
        ("A3", Some("fire"), Some("解放路8号")),
    ];
    let stored: Vec<(&str, Option<&str>, Option<&str>)> = stored
        .iter()
        .map(|(i, c, a)| (i.as_str(), c.as_deref(), a.as_deref()))
        .collect();
    assert_eq!(stored, want);
}

#[tokio::test]
async fn a_gbk_file_under_a_utf8_mapping_is_one_message_naming_the_encoding() {
    let db = TestDb::new().await;
    let utf8 = GBK_MAPPING.replace("encoding = \"gb18030\"\n", "");
    let map: Mapping = toml::from_str(&utf8).unwrap();

    // The header itself is Chinese.
    let path = db.path("header.csv");
    std::fs::write(&path, gbk(GBK_TEXT)).unwrap();
    let msg = import_file(&db.store, &path, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("header.csv:1: the header's field 1 is not valid UTF-8")
            && msg.contains("mapping 'gbk'")
            && msg.contains("encoding = \"gb18030\""),
        "{msg}"
    );

    // An ASCII header, Chinese rows: stopped at the first, after the import began.
    let ascii = GBK_TEXT.replacen("编号,接警时间,类别,地址", "id,start,cat,addr", 1);
    let map: Mapping = toml::from_str(
        &utf8
            .replace("\"编号\"", "\"id\"")
            .replace("\"接警时间\"", "\"start\"")
            .replace("\"类别\"", "\"cat\"")
            .replace("\"地址\"", "\"addr\""),
    )
    .unwrap();
    let path = db.path("rows.csv");
    std::fs::write(&path, gbk(&ascii)).unwrap();
    let msg = import_file(&db.store, &path, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("rows.csv:2: field 3 (column 'cat') is not valid UTF-8")
            && msg.contains("encoding = \"gb18030\""),
        "{msg}"
    );
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let (status, note): (String, String) =
        sqlx::query_as("SELECT status, note FROM imports WHERE file LIKE '%rows.csv'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(status, "interrupted");
    assert!(note.contains("rows.csv:2"), "{note}");
    assert_eq!(db.store.health().await.unwrap().calls, 0);
}

/// The real 311 day with CRLF line ends, and the keys of lines 100 and 2,072 blanked.
#[tokio::test]
async fn line_numbers_are_right_in_a_crlf_copy_of_a_real_file() {
    let db = TestDb::new().await;
    let text = std::fs::read_to_string(shared("data/nyc311_20131225.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for ix in [99, 2_071] {
        let key_end = lines[ix].find(',').unwrap();
        lines[ix].replace_range(..key_end, "");
    }
    let path = db.path("nyc311_crlf.csv");
    std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();
    let map = Mapping::load(&mapping("nyc311.toml")).unwrap();
    let s = import_file(&db.store, &path, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    assert_eq!(
        (s.rows_read, s.rows_stored, s.rows_rejected),
        (2_386, 2_384, 2)
    );
    let at = |what: &str| -> Vec<u64> {
        s.issues
            .iter()
            .filter(|i| i.reason.starts_with(what))
            .map(|i| i.line.unwrap())
            .collect()
    };
    assert_eq!(at("missing record id"), [100, 2_072]);
}

#[tokio::test]
async fn importing_the_same_file_again_logs_no_problem_twice() {
    let db = TestDb::new().await;
    let map = Mapping::load(&mapping("decc_cad.toml")).unwrap();
    let cad = shared("data/decc_cad_2025w35-41.csv");
    let first = import_file(&db.store, &cad, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    let logged = db.store.health().await.unwrap().data_issues;
    assert_eq!(logged as usize, first.issues.len());
    assert!(logged > 1_000, "the CAD file has its dirt: {logged}");
    let again = import_file(&db.store, &cad, &map, keyer(), IMPORT_NOW + 3_600_000)
        .await
        .unwrap();
    // The summary still tells this run's problems; the table holds each once.
    assert_eq!(again.issues.len(), first.issues.len());
    let h = db.store.health().await.unwrap();
    assert_eq!(h.data_issues, logged);
    assert_eq!((h.imports, h.imports_interrupted), (2, 0));
}
