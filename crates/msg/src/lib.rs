//! Messages: [`Msg`] (one frame), [`MsgMut`] (a frame being written) and
//! [`Multipart`] (the frames of one message, as one unit).
//!
//! A frame's bytes live in one of four places, chosen so that no copy is made
//! that could be avoided:
//!
//! | representation | made by | allocations | clone |
//! | --- | --- | --- | --- |
//! | inline | small [`Msg::copy_from_slice`], small `Vec`/`String`/`Box` | 0 | copies up to 34 bytes |
//! | static | [`Msg::from_static`], `From<&'static str>` | 0 | copies the handle |
//! | chunk | [`Msg::copy_from_slice`], [`MsgMut::with_capacity`] | 1 (header + data) | one atomic increment |
//! | owner | [`Msg::from_owner`], `From<Vec<u8>>`, `From<String>`, `From<Box<[u8]>>`, `From<Bytes>` | 1 (header + owner) | one atomic increment |
//! | received | [`MsgMut::new_in`] with a [`RecvAllocator`] | 1 block from that allocator | one atomic increment |
//!
//! Refcounted bodies (chunk, owner, received) share one header layout and free
//! themselves through it exactly once, on whatever thread drops the last
//! clone; a received body goes back to the allocator that made it, even after
//! its socket is gone. A body nobody shares is freed without touching its
//! atomic.
//!
//! A chunk up to 128 KiB comes from mimalloc rather than the process's
//! `#[global_allocator]`: bodies are usually allocated on one thread and
//! freed on another (a sender's and its I/O thread), which mimalloc serves
//! with a push onto the block's page and glibc's allocator with its slow
//! path on both sides. Larger chunks, and every chunk with the
//! `global-alloc` feature (for programs that count or profile every
//! allocation through their global allocator), come from the global
//! allocator.
//!
//! This crate knows nothing about framing on the wire, sockets or threads.
//!
//! # Examples
//!
//! ```
//! use ferrozmq_msg::{Msg, Multipart};
//!
//! let topic = Msg::from_static(b"prices.EURUSD");
//! let value = Msg::from(vec![0u8; 1 << 20]); // zero-copy: the Vec becomes the frame
//! let mut message = Multipart::from([topic, value]);
//! message.mark_more();
//! assert!(message[0].more() && !message[1].more());
//! ```

mod block;
mod msg;
mod msg_mut;
mod multipart;
mod raw;
mod storage;
mod sync;

#[cfg(feature = "bytes")]
mod bytes_compat;

pub use block::ReadBlock;
pub use msg::{INLINE_CAPACITY, Msg, Storage};
pub use msg_mut::MsgMut;
pub use multipart::{INLINE_FRAMES, Multipart};
#[cfg(feature = "count")]
pub use raw::{BodyCounts, body_counts};

/// The receive-allocator types messages are made from, re-exported for
/// convenience.
pub use ferrozmq_alloc::{AllocError, AllocErrorKind, RecvAllocator};

#[cfg(all(test, loom))]
mod loom_tests {
    //! loom models of the refcount handoff: clones dropped on several threads
    //! free the body exactly once, and only after every other holder's last
    //! read of it.

    use crate::Msg;
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};

    /// A cell that stands for the body's memory: holders read it, the release
    /// route writes it. loom reports a race if the write is not ordered after
    /// every read, which is what the refcount's orderings must guarantee.
    struct Witness(UnsafeCell<u8>);

    // SAFETY: accesses go through loom's `UnsafeCell`, which checks them; the
    // point of the model is to prove they are ordered.
    unsafe impl Sync for Witness {}

    impl Witness {
        fn read(&self) -> u8 {
            // SAFETY: checked by loom (see the type's docs).
            self.0.with(|p| unsafe { *p })
        }
    }

    /// An owner whose drop counts itself and "frees" the witness.
    struct Owner {
        bytes: Vec<u8>,
        witness: Arc<Witness>,
        drops: Arc<AtomicUsize>,
    }

    impl AsRef<[u8]> for Owner {
        fn as_ref(&self) -> &[u8] {
            &self.bytes
        }
    }

    impl Drop for Owner {
        fn drop(&mut self) {
            // SAFETY: checked by loom (see `Witness`).
            self.witness.0.with_mut(|p| unsafe { *p = 0 });
            self.drops.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn owner_msg() -> (Msg, Arc<Witness>, Arc<AtomicUsize>) {
        let witness = Arc::new(Witness(UnsafeCell::new(7)));
        let drops = Arc::new(AtomicUsize::new(0));
        let msg = Msg::from_owner(Owner {
            bytes: vec![7; 64],
            witness: witness.clone(),
            drops: drops.clone(),
        });
        (msg, witness, drops)
    }

    /// A receive allocator whose frees "write" the witness and are counted,
    /// for the read-block models.
    struct WitnessAlloc {
        witness: Arc<Witness>,
        frees: Arc<AtomicUsize>,
    }

    // SAFETY: blocks come from `Heap` and go back to it unchanged.
    unsafe impl ferrozmq_alloc::RecvAllocator for WitnessAlloc {
        fn allocate(
            &self,
            layout: core::alloc::Layout,
        ) -> Result<core::ptr::NonNull<[u8]>, ferrozmq_alloc::AllocError> {
            ferrozmq_alloc::Heap.allocate(layout)
        }

        unsafe fn deallocate(&self, ptr: core::ptr::NonNull<u8>, layout: core::alloc::Layout) {
            // SAFETY: checked by loom (see `Witness`).
            self.witness.0.with_mut(|p| unsafe { *p = 0 });
            self.frees.fetch_add(1, Ordering::Relaxed);
            // SAFETY: forwarded: the block came from `Heap` with `layout`.
            unsafe { ferrozmq_alloc::Heap.deallocate(ptr, layout) }
        }

        fn name(&self) -> &'static str {
            "witness"
        }
    }

    /// A read block holding one frame taken from it, with its witness and
    /// free count.
    fn block_with_a_frame() -> (crate::ReadBlock, Msg, Arc<Witness>, Arc<AtomicUsize>) {
        let witness = Arc::new(Witness(UnsafeCell::new(7)));
        let frees = Arc::new(AtomicUsize::new(0));
        let alloc: crate::sync::StdArc<dyn ferrozmq_alloc::RecvAllocator> =
            crate::sync::StdArc::new(WitnessAlloc {
                witness: witness.clone(),
                frees: frees.clone(),
            });
        let mut block = crate::ReadBlock::new_in(&alloc, 64).unwrap();
        block.fill_from(&[7u8; 48]);
        let frame = block.take(48).unwrap();
        (block, frame, witness, frees)
    }

    #[test]
    fn loom_read_block_and_its_frame_dropped_on_two_threads_free_once() {
        loom::model(|| {
            let (block, frame, witness, frees) = block_with_a_frame();
            let w = witness.clone();
            let t = loom::thread::spawn(move || {
                assert_eq!(w.read(), 7);
                assert_eq!(frame[47], 7);
                drop(frame);
            });
            drop(block);
            t.join().unwrap();
            assert_eq!(frees.load(Ordering::Relaxed), 1);
        });
    }

    #[test]
    fn loom_read_block_is_reused_only_after_its_frame_is_gone() {
        loom::model(|| {
            let (mut block, frame, witness, frees) = block_with_a_frame();
            let w = witness.clone();
            let t = loom::thread::spawn(move || {
                assert_eq!(w.read(), 7);
                drop(frame);
            });
            if block.try_reset() {
                // Reuse overwrites the bytes the frame had: loom checks the
                // frame's last read is ordered before.
                // SAFETY: checked by loom (see `Witness`).
                witness.0.with_mut(|p| unsafe { *p = 1 });
            }
            t.join().unwrap();
            assert!(block.try_reset(), "the frame is gone");
            assert_eq!(frees.load(Ordering::Relaxed), 0);
            drop(block);
            assert_eq!(frees.load(Ordering::Relaxed), 1);
        });
    }

    #[test]
    fn loom_clone_and_drop_on_two_threads_frees_once_after_reads() {
        loom::model(|| {
            let (m, witness, drops) = owner_msg();
            let c = m.clone();
            let w = witness.clone();
            let t = loom::thread::spawn(move || {
                assert_eq!(w.read(), 7);
                assert_eq!(c[63], 7);
                drop(c);
            });
            assert_eq!(witness.read(), 7);
            drop(m);
            t.join().unwrap();
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        });
    }

    #[test]
    fn loom_three_holders_on_three_threads() {
        loom::model(|| {
            let (m, witness, drops) = owner_msg();
            let a = m.clone();
            let b = m.clone();
            let (wa, wb) = (witness.clone(), witness.clone());
            let ta = loom::thread::spawn(move || {
                assert_eq!(wa.read(), 7);
                drop(a);
            });
            let tb = loom::thread::spawn(move || {
                let again = b.clone();
                drop(b);
                assert_eq!(wb.read(), 7);
                drop(again);
            });
            drop(m);
            ta.join().unwrap();
            tb.join().unwrap();
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        });
    }
}
