// mimalloc, as ruff does: seam allocates millions of small strings and vectors while it
// links a graph and builds its coupling; glibc's malloc spent a fifth of `propose` on a
// 1M-line monolith in malloc_consolidate/free (see README "Benchmarks").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    seam::cli::main()
}
