//! Memory allocation for the whole process: mimalloc, for Rust and for tree-sitter.
//!
//! seam allocates millions of small strings and vectors while it extracts facts,
//! links a graph and builds its coupling; glibc's malloc spent a fifth of `propose` on
//! a 1M-line monolith in `malloc_consolidate`/`free` (README "Benchmarks"). ruff makes
//! the same choice. Declared in the library, so every binary linking it (seam, the
//! tests, the benches and their parse floor) allocates the same way.

use std::ffi::c_void;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sends tree-sitter's own allocations (parse stacks, syntax trees) to mimalloc too,
/// so the parser's memory is reused for facts instead of growing a second heap (−10%
/// wall time of a cold pretix analysis).
///
/// # Safety
/// Call it once, before any tree-sitter parser or tree exists (tree-sitter frees
/// with the allocator set at the time of freeing).
pub unsafe fn route_tree_sitter() {
    unsafe {
        tree_sitter::set_allocator(
            Some(ts_malloc),
            Some(ts_calloc),
            Some(ts_realloc),
            Some(ts_free),
        );
    }
}

unsafe extern "C" fn ts_malloc(size: usize) -> *mut c_void {
    unsafe { libmimalloc_sys::mi_malloc(size) }
}

unsafe extern "C" fn ts_calloc(count: usize, size: usize) -> *mut c_void {
    match count.checked_mul(size) {
        Some(bytes) => unsafe { libmimalloc_sys::mi_zalloc(bytes) },
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn ts_realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    unsafe { libmimalloc_sys::mi_realloc(ptr, size) }
}

unsafe extern "C" fn ts_free(ptr: *mut c_void) {
    unsafe { libmimalloc_sys::mi_free(ptr) }
}
