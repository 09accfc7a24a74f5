// No console window on Windows release builds; the wall is a GUI program.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    commandwall::doors::cli::main()
}
