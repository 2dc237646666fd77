//! [`SharedMemory`]: a receive allocator over one memfd-backed shared mapping
//! (Linux only).
//!
//! The region is created with `memfd_create`, sized with `ftruncate` and
//! mapped `MAP_SHARED`, then cut into equal slots handed out through a
//! lock-free free list of slot indices. Another process that receives the file
//! descriptor (over a unix socket, or through `/proc/<pid>/fd/<n>`) maps the
//! same pages and reads a message body at its [`offset`](SharedMemory::offset_of)
//! without any copy. It does not pass descriptors or offsets between processes
//! itself; that is the application's protocol.
//!
//! Bounded by construction: when every slot is in use the answer is
//! [`Exhausted`](crate::AllocErrorKind::Exhausted), and a later release wakes
//! the callers registered with `notify_on_release`. A request larger than a
//! slot, or aligned beyond it, is [`TooLarge`](crate::AllocErrorKind::TooLarge).

use core::alloc::Layout;
use core::ptr::NonNull;
use core::task::Waker;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::queue::BoundedQueue;
use crate::waiters::Waiters;
use crate::{AllocError, AllocErrorKind, RecvAllocator};

/// A receive allocator whose blocks live in one shared-memory region; see the
/// module docs.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{RecvAllocator, SharedMemory};
///
/// let shm = SharedMemory::new("frames", 64 * 1024, 8)?;
/// let layout = Layout::from_size_align(50_000, 8).unwrap();
/// let block = shm.allocate(layout).unwrap();
/// let offset = shm.offset_of(block.cast::<u8>().as_ptr()).unwrap();
/// assert_eq!(offset % (64 * 1024), 0);
/// // SAFETY: the block came from `shm.allocate(layout)` and is not used again.
/// unsafe { shm.deallocate(block.cast(), layout) };
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SharedMemory {
    fd: OwnedFd,
    base: NonNull<u8>,
    region_len: usize,
    slot_size: usize,
    free: BoundedQueue<usize>,
    waiters: Waiters,
}

// SAFETY: the mapping is owned by this value and only unmapped in `Drop`; the
// slots handed out are disjoint, and the free list and waiter list are
// thread-safe, so the allocator may move to and be used from any thread.
unsafe impl Send for SharedMemory {}
// SAFETY: see `Send`: every method takes `&self` and synchronises through the
// lock-free free list and the waiter list.
unsafe impl Sync for SharedMemory {}

impl SharedMemory {
    /// A region of `slots` slots of `slot_size` bytes each (`slot_size` is
    /// rounded up to a multiple of 64, so every slot is cache-line aligned).
    /// `name` shows in `/proc/<pid>/fd` and is for humans only.
    ///
    /// # Errors
    ///
    /// The `io::Error` of `memfd_create`, `ftruncate` or `mmap`, or
    /// `InvalidInput` for zero slots, a zero slot size, a name with a NUL
    /// byte, or a region too large for the address space.
    pub fn new(name: &str, slot_size: usize, slots: usize) -> io::Result<Self> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        if slots == 0 || slot_size == 0 {
            return Err(invalid(
                "SharedMemory needs at least one slot of at least one byte",
            ));
        }
        let slot_size = slot_size
            .checked_next_multiple_of(64)
            .ok_or_else(|| invalid("slot size too large"))?;
        let region_len = slot_size
            .checked_mul(slots)
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(|| invalid("region too large"))?;
        let name = CString::new(name).map_err(|_| invalid("name contains a NUL byte"))?;

        // SAFETY: `name` is a valid NUL-terminated string for the call.
        let raw = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `memfd_create` returned a fresh descriptor that nothing else
        // owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let len = libc::off_t::try_from(region_len).map_err(|_| invalid("region too large"))?;
        // SAFETY: `fd` is a valid memfd descriptor we own.
        if unsafe { libc::ftruncate(raw, len) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh shared mapping of the whole file at an address the
        // kernel chooses; no existing memory is affected.
        let addr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                region_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                raw,
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(addr.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        let free = BoundedQueue::new(slots);
        for i in 0..slots {
            // Cannot fail: the queue holds exactly `slots` items.
            let _ = free.push(i);
        }
        Ok(Self {
            fd,
            base,
            region_len,
            slot_size,
            free,
            waiters: Waiters::new(),
        })
    }

    /// The memfd behind the region, to hand to another process.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The size of the whole region in bytes.
    pub fn region_len(&self) -> usize {
        self.region_len
    }

    /// The size of one slot: the largest block this allocator serves,
    /// including whatever header the caller puts in front of the data.
    pub fn slot_size(&self) -> usize {
        self.slot_size
    }

    /// Where `ptr` lies in the region, as a byte offset another process can
    /// use in its own mapping; `None` when it is not inside the region.
    pub fn offset_of(&self, ptr: *const u8) -> Option<usize> {
        let offset = ptr.addr().checked_sub(self.base.as_ptr().addr())?;
        (offset < self.region_len).then_some(offset)
    }

    fn try_pop(&self) -> Option<NonNull<u8>> {
        let slot = self.free.pop()?;
        // SAFETY: slot indices in the free list are below the slot count, so
        // the offset stays inside the mapping.
        Some(unsafe { self.base.add(slot * self.slot_size) })
    }
}

// SAFETY: 1. every block is a whole slot inside the live mapping, 64-byte
// aligned (the mapping is page-aligned and slots are multiples of 64), and
// only layouts that fit a slot are served; 2. a slot index is in the free list
// at most once, so live blocks never overlap; 3. the mapping lives until
// `self` is dropped, which callers holding the allocator in an `Arc` only do
// after the last block is returned.
unsafe impl RecvAllocator for SharedMemory {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() > self.slot_size || layout.align() > 64 {
            return Err(AllocError::new(AllocErrorKind::TooLarge, layout));
        }
        let ptr = match self.try_pop() {
            Some(ptr) => ptr,
            None => {
                // Arm, then retry once: a release between the first attempt
                // and the registration is then never missed (see `Waiters`).
                self.waiters.arm();
                self.try_pop()
                    .ok_or(AllocError::new(AllocErrorKind::Exhausted, layout))?
            }
        };
        Ok(NonNull::slice_from_raw_parts(ptr, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(layout.size() <= self.slot_size);
        let offset = self.offset_of(ptr.as_ptr());
        debug_assert!(offset.is_some_and(|o| o % self.slot_size == 0));
        if let Some(offset) = offset {
            // Cannot fail: the slot was popped, so the queue has room for it.
            let _ = self.free.push(offset / self.slot_size);
            self.waiters.notify();
        }
    }

    fn notify_on_release(&self, waker: &Waker) -> bool {
        self.waiters.register(waker);
        true
    }

    fn name(&self) -> &'static str {
        "shared-memory"
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: `base`/`region_len` describe the mapping made in `new`; no
        // block is live any more (callers keep the allocator alive until the
        // last one is returned), so nothing references it.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.region_len) };
    }
}

impl core::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("region_len", &self.region_len)
            .field("slot_size", &self.slot_size)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{AtomicUsize, Ordering, StdArc as Arc};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;
    use std::task::Wake;

    fn layout(n: usize) -> Layout {
        Layout::from_size_align(n, 8).unwrap()
    }

    #[test]
    fn slots_are_distinct_bounded_and_reused() {
        let shm = SharedMemory::new("t", 100, 3).unwrap();
        assert_eq!((shm.slot_size(), shm.region_len()), (128, 384));
        let blocks: Vec<_> = (0..3).map(|_| shm.allocate(layout(100)).unwrap()).collect();
        let mut offsets: Vec<usize> = blocks
            .iter()
            .map(|b| shm.offset_of(b.cast::<u8>().as_ptr()).unwrap())
            .collect();
        offsets.sort_unstable();
        assert_eq!(offsets, [0, 128, 256]);
        let err = shm.allocate(layout(8)).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::Exhausted);
        assert!(err.is_transient());
        assert_eq!(
            shm.allocate(layout(129)).unwrap_err().kind(),
            AllocErrorKind::TooLarge
        );
        // SAFETY: each block came from `shm` with this layout.
        unsafe { shm.deallocate(blocks[1].cast(), layout(100)) };
        let again = shm.allocate(layout(10)).unwrap();
        assert_eq!(shm.offset_of(again.cast::<u8>().as_ptr()), Some(offsets[1]));
        assert_eq!(shm.offset_of(core::ptr::null()), None);
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn release_wakes_a_refused_caller() {
        let shm = SharedMemory::new("t", 64, 1).unwrap();
        let a = shm.allocate(layout(64)).unwrap();
        assert!(shm.allocate(layout(64)).is_err());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        assert!(shm.notify_on_release(&waker));
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        // SAFETY: `a` came from `shm` with this layout.
        unsafe { shm.deallocate(a.cast(), layout(64)) };
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(shm.allocate(layout(64)).is_ok());
    }

    #[test]
    fn another_opener_of_the_memfd_sees_the_bytes() {
        let shm = SharedMemory::new("t", 4096, 2).unwrap();
        let block = shm.allocate(layout(4000)).unwrap();
        let ptr = block.cast::<u8>();
        // SAFETY: the block is valid for writes of 4000 bytes.
        unsafe { ptr.write_bytes(0x7E, 4000) };
        let offset = shm.offset_of(ptr.as_ptr()).unwrap();
        // What another process does with the descriptor it was sent.
        let path = format!("/proc/self/fd/{}", shm.fd().as_raw_fd());
        let file = std::fs::File::open(path).unwrap();
        let mut seen = vec![0u8; 4000];
        file.read_exact_at(&mut seen, offset as u64).unwrap();
        assert!(seen.iter().all(|&b| b == 0x7E));
        // SAFETY: the block came from `shm` with this layout.
        unsafe { shm.deallocate(ptr, layout(4000)) };
    }
}
