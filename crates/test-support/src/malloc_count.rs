//! Process-wide counts of the C allocator (feature `malloc-count`, Linux with
//! glibc only): this module defines `malloc`, `calloc`, `realloc`, `free`,
//! `posix_memalign`, `aligned_alloc`, `memalign`, `valloc` and `pvalloc`,
//! each forwarding to glibc's exported `__libc_*` twin and counting in
//! relaxed atomics.
//!
//! A binary that links this crate with the feature on replaces the C
//! allocator for the whole process (glibc supports replacing malloc this
//! way; libstdc++'s `operator new` and Rust's `System` allocator both call
//! `malloc`), so every thread's heap traffic is counted: Rust and C++ code
//! alike, I/O threads included. It does not change what is allocated: the
//! blocks are glibc's, as they would be without it. Memory that does not
//! come through these calls (`mmap`, mimalloc's own heaps, a memfd region) is
//! not counted.
//!
//! Only a binary that wants the counts should turn the feature on; see the
//! feature's note in `Cargo.toml`. [`malloc_counts`] reads the totals;
//! [`is_counting`] checks that the interposition took effect.
//!
//! ```
//! use ferrozmq_test_support::malloc_count::{is_counting, malloc_counts};
//!
//! assert!(is_counting());
//! let before = malloc_counts();
//! let v = std::hint::black_box(vec![1u8; 1000]);
//! drop(v);
//! let delta = malloc_counts().since(before);
//! assert!(delta.allocs >= 1 && delta.frees >= 1 && delta.bytes >= 1000);
//! ```

use core::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

/// Blocks handed out, a successful `realloc` of a live block included.
static ALLOCS: AtomicU64 = AtomicU64::new(0);
/// Blocks returned, a successful `realloc` of a live block included.
static FREES: AtomicU64 = AtomicU64::new(0);
/// Bytes requested by the counted allocations.
static BYTES: AtomicU64 = AtomicU64::new(0);

/// `EINVAL` and `ENOMEM` on Linux, for `posix_memalign`'s answer.
const EINVAL: c_int = 22;
const ENOMEM: c_int = 12;

// glibc exports its allocator under these names too (GLIBC_2.2.5 on
// x86-64), so a replacement `malloc` can reach the real one without `dlsym`,
// which may itself allocate.
unsafe extern "C" {
    fn __libc_malloc(size: usize) -> *mut c_void;
    fn __libc_calloc(count: usize, size: usize) -> *mut c_void;
    fn __libc_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn __libc_free(ptr: *mut c_void);
    fn __libc_memalign(align: usize, size: usize) -> *mut c_void;
    fn __libc_valloc(size: usize) -> *mut c_void;
    fn __libc_pvalloc(size: usize) -> *mut c_void;
}

/// Counts a block of `size` bytes handed out, if `ptr` is one, and returns `ptr`.
fn allocated(ptr: *mut c_void, size: usize) -> *mut c_void {
    if !ptr.is_null() {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
    ptr
}

/// The C allocator's `malloc`, counted.
///
/// # Safety
///
/// As C's `malloc` (none beyond the call itself).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `malloc`.
    allocated(unsafe { __libc_malloc(size) }, size)
}

/// The C allocator's `calloc`, counted.
///
/// # Safety
///
/// As C's `calloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `calloc`.
    let ptr = unsafe { __libc_calloc(count, size) };
    allocated(ptr, count.saturating_mul(size))
}

/// The C allocator's `realloc`, counted: from null it is an allocation, to
/// size 0 a free (glibc frees the block and returns null), otherwise one
/// allocation and one free, as the per-thread counter counts it.
///
/// # Safety
///
/// As C's `realloc`: `ptr` is null or a live block of this allocator.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `realloc`; our caller
    // guarantees `ptr` is null or a live block, and every block of this
    // process comes from glibc's allocator.
    let new = unsafe { __libc_realloc(ptr, size) };
    if ptr.is_null() {
        return allocated(new, size);
    }
    if size == 0 {
        FREES.fetch_add(1, Ordering::Relaxed);
    } else if !new.is_null() {
        FREES.fetch_add(1, Ordering::Relaxed);
        allocated(new, size);
    }
    new
}

/// The C allocator's `free`, counted (a null pointer is not counted).
///
/// # Safety
///
/// As C's `free`: `ptr` is null or a live block of this allocator, not used
/// afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn free(ptr: *mut c_void) {
    if !ptr.is_null() {
        FREES.fetch_add(1, Ordering::Relaxed);
    }
    // SAFETY: forwarded unchanged to glibc's own `free`, under our caller's
    // guarantee.
    unsafe { __libc_free(ptr) }
}

/// The C allocator's `memalign`, counted.
///
/// # Safety
///
/// As C's `memalign`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memalign(align: usize, size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `memalign`.
    allocated(unsafe { __libc_memalign(align, size) }, size)
}

/// The C allocator's `aligned_alloc` (glibc's is its `memalign`), counted.
///
/// # Safety
///
/// As C's `aligned_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut c_void {
    // SAFETY: forwarded to glibc's `memalign`, which glibc's own
    // `aligned_alloc` calls.
    allocated(unsafe { __libc_memalign(align, size) }, size)
}

/// The C allocator's `posix_memalign`, counted; the checks are POSIX's.
///
/// # Safety
///
/// As C's `posix_memalign`: `memptr` is valid for a pointer-sized write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn posix_memalign(
    memptr: *mut *mut c_void,
    align: usize,
    size: usize,
) -> c_int {
    if !align.is_power_of_two() || !align.is_multiple_of(size_of::<*mut c_void>()) {
        return EINVAL;
    }
    // SAFETY: forwarded to glibc's `memalign` with an alignment checked as
    // glibc's own `posix_memalign` checks it.
    let ptr = allocated(unsafe { __libc_memalign(align, size) }, size);
    if ptr.is_null() {
        return ENOMEM;
    }
    // SAFETY: our caller guarantees `memptr` is valid for this write.
    unsafe { memptr.write(ptr) };
    0
}

/// The C allocator's `valloc`, counted.
///
/// # Safety
///
/// As C's `valloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn valloc(size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `valloc`.
    allocated(unsafe { __libc_valloc(size) }, size)
}

/// The C allocator's `pvalloc`, counted.
///
/// # Safety
///
/// As C's `pvalloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pvalloc(size: usize) -> *mut c_void {
    // SAFETY: forwarded unchanged to glibc's own `pvalloc`.
    allocated(unsafe { __libc_pvalloc(size) }, size)
}

/// The process's C-allocator totals since it started, or their difference
/// over a window (see [`since`](Self::since)).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MallocCounts {
    /// Blocks handed out (`malloc`, `calloc`, the aligned calls, `realloc`
    /// from null or of a live block).
    pub allocs: u64,
    /// Blocks returned (`free` of a non-null pointer, `realloc` of a live
    /// block).
    pub frees: u64,
    /// Bytes requested by those allocations.
    pub bytes: u64,
}

impl MallocCounts {
    /// What happened between `earlier` and `self`.
    #[must_use]
    pub fn since(self, earlier: MallocCounts) -> MallocCounts {
        MallocCounts {
            allocs: self.allocs.wrapping_sub(earlier.allocs),
            frees: self.frees.wrapping_sub(earlier.frees),
            bytes: self.bytes.wrapping_sub(earlier.bytes),
        }
    }
}

/// Every thread's C-allocator calls since the process started. Other threads
/// keep counting while this reads, so a window is exact only when they are
/// quiet at its edges.
pub fn malloc_counts() -> MallocCounts {
    MallocCounts {
        allocs: ALLOCS.load(Ordering::Relaxed),
        frees: FREES.load(Ordering::Relaxed),
        bytes: BYTES.load(Ordering::Relaxed),
    }
}

/// Whether this process's `malloc` is the counting one: a `Box` allocation
/// and its free must show in the totals. False when the linker kept glibc's
/// `malloc` (the interposition did not take).
pub fn is_counting() -> bool {
    let before = malloc_counts();
    drop(std::hint::black_box(Box::new([0u8; 64])));
    let delta = malloc_counts().since(before);
    delta.allocs >= 1 && delta.frees >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_kind_of_allocation() {
        assert!(is_counting());
        let before = malloc_counts();
        let mut v: Vec<u8> = std::hint::black_box(Vec::with_capacity(100));
        v.extend_from_slice(&[7; 100]);
        v.reserve_exact(10_000); // realloc of a live block
        let zeroed = std::hint::black_box(vec![0u64; 512]); // calloc
        let aligned = std::hint::black_box(Box::new(Aligned([0; 256]))); // posix_memalign
        assert_eq!((v[99], zeroed[511], aligned.0[255]), (7, 0, 0));
        drop((v, zeroed, aligned));
        let delta = malloc_counts().since(before);
        assert!(delta.allocs >= 4, "{delta:?}");
        assert!(delta.frees >= 4, "{delta:?}");
        assert!(delta.bytes >= 100 + 10_100 + 4096 + 256, "{delta:?}");
    }

    #[test]
    fn posix_memalign_checks_its_alignment() {
        let mut ptr = core::ptr::null_mut();
        // SAFETY: `ptr` is a valid place for the answer.
        assert_eq!(unsafe { posix_memalign(&mut ptr, 3, 16) }, EINVAL);
        // SAFETY: as above.
        assert_eq!(unsafe { posix_memalign(&mut ptr, 4096, 16) }, 0);
        assert!(!ptr.is_null() && ptr.addr().is_multiple_of(4096));
        // SAFETY: from `posix_memalign` above, not used again.
        unsafe { free(ptr) };
    }

    #[repr(align(4096))]
    struct Aligned([u8; 256]);
}
