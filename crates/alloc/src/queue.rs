//! A bounded multi-producer multi-consumer queue: crossbeam's `ArrayQueue`
//! normally, a loom `Mutex<VecDeque>` under `cfg(loom)`.
//!
//! crossbeam-queue is invisible to loom, so under `cfg(loom)` this one type is
//! swapped for a stand-in that loom can see; the models then check *our*
//! handoff logic (accounting, block recycling, wake-ups) around the queue, not
//! the queue itself, which crossbeam tests. Pushing never allocates in either
//! form: the capacity is allocated up front.

#[cfg(loom)]
use crate::sync::{Mutex, lock};
#[cfg(loom)]
use std::collections::VecDeque;

/// A fixed-capacity MPMC queue; see the module docs.
pub(crate) struct BoundedQueue<T> {
    #[cfg(not(loom))]
    inner: crossbeam_queue::ArrayQueue<T>,
    #[cfg(loom)]
    inner: Mutex<VecDeque<T>>,
    #[cfg(loom)]
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    /// A queue holding at most `capacity` items (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        #[cfg(not(loom))]
        {
            Self {
                inner: crossbeam_queue::ArrayQueue::new(capacity),
            }
        }
        #[cfg(loom)]
        {
            Self {
                inner: Mutex::new(VecDeque::with_capacity(capacity)),
                capacity,
            }
        }
    }

    /// Appends `value`, or hands it back when the queue is full.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        #[cfg(not(loom))]
        {
            self.inner.push(value)
        }
        #[cfg(loom)]
        {
            let mut queue = lock(&self.inner);
            if queue.len() == self.capacity {
                return Err(value);
            }
            queue.push_back(value);
            Ok(())
        }
    }

    /// Removes the oldest item, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        #[cfg(not(loom))]
        {
            self.inner.pop()
        }
        #[cfg(loom)]
        {
            lock(&self.inner).pop_front()
        }
    }

    /// How many items it holds right now (a snapshot: other threads may push
    /// or pop at any time).
    pub(crate) fn len(&self) -> usize {
        #[cfg(not(loom))]
        {
            self.inner.len()
        }
        #[cfg(loom)]
        {
            lock(&self.inner).len()
        }
    }

    /// How many items it can hold.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn capacity(&self) -> usize {
        #[cfg(not(loom))]
        {
            self.inner.capacity()
        }
        #[cfg(loom)]
        {
            self.capacity
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn bounded_fifo() {
        let q = BoundedQueue::new(2);
        assert_eq!(q.capacity(), 2);
        assert_eq!(q.push(1), Ok(()));
        assert_eq!(q.push(2), Ok(()));
        assert_eq!(q.push(3), Err(3));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some(1));
        assert_eq!(q.pop(), Some(2));
        assert_eq!(q.pop(), None);
        assert_eq!(BoundedQueue::<u8>::new(0).capacity(), 1);
    }
}
