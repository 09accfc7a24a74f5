fn main() {
    // tauri.conf.json sits at the package root; the capabilities live beside the sources.
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "wall_state",
            "repeat_page",
            "chart",
            "desk_query",
            "zone_incidents",
            "set_wall",
            "ui_settings",
            "alert_ack",
            "alert_silence",
            "alert_history",
            "weekly_report",
        ]));
    tauri_build::try_build(attrs).expect("failed to run tauri-build");
}
