fn main() -> std::process::ExitCode {
    // SAFETY: first thing, before any parser or tree exists.
    unsafe { seam::alloc::route_tree_sitter() };
    seam::cli::main()
}
