fn main() -> std::process::ExitCode {
    seam::cli::main()
}
