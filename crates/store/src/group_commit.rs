//! Group commit: concurrent writes of one kind are queued and written together, many in
//! one transaction, by writer tasks (`connect.rs` says how many).
//!
//! A create costs about fifteen statements whatever it writes, and on two cores the time
//! goes to the statements (their round trips, on both sides), not to the rows. A burst of
//! creates written one transaction each queued behind one another; written as one
//! transaction with multi-row statements they cost a few statements per batch. Nothing
//! waits for a batch to fill: a writer takes whatever is queued when it is free, so a lone
//! create is written at once, and batches grow only when writes arrive faster than they
//! are written.
//!
//! Writers are tasks of their own, not the callers' futures: a caller that goes away (a
//! client hanging up) must not take the other callers' writes with it.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::{Result, StoreError};

/// The most writes one transaction takes.
pub(crate) const MAX_BATCH: usize = 64;

/// A queue of writes of one kind: items of type `T`, each answered with an `R`.
pub(crate) struct GroupCommit<T, R> {
    state: Mutex<Queue<T, R>>,
    /// How many writer tasks may run at once (SQLite: one, it has one writer).
    writers: usize,
}

struct Queue<T, R> {
    waiting: VecDeque<(T, oneshot::Sender<R>)>,
    running: usize,
}

impl<T, R> GroupCommit<T, R> {
    pub(crate) fn new(writers: usize) -> Self {
        GroupCommit {
            state: Mutex::new(Queue {
                waiting: VecDeque::new(),
                running: 0,
            }),
            writers: writers.max(1),
        }
    }

    /// Queue an item. True when the caller should start a writer (see [`Self::next`]).
    fn push(&self, item: T, answer: oneshot::Sender<R>) -> bool {
        let mut q = self.state.lock().expect("group commit queue");
        q.waiting.push_back((item, answer));
        if q.running < self.writers {
            q.running += 1;
            true
        } else {
            false
        }
    }

    /// The next batch for a writer; None (and the writer counted out) when nothing is
    /// queued. Checked under the same lock as [`Self::push`], so no item is left behind.
    pub(crate) fn next(&self) -> Option<Vec<(T, oneshot::Sender<R>)>> {
        let mut q = self.state.lock().expect("group commit queue");
        if q.waiting.is_empty() {
            q.running -= 1;
            return None;
        }
        let n = q.waiting.len().min(MAX_BATCH);
        Some(q.waiting.drain(..n).collect())
    }

    /// Answer every queued item with `answer()` without writing it: the database has
    /// just been found unreachable, and a batch more would only wait for it again
    /// (each caller then waits one connect timeout, not one per batch ahead of it).
    pub(crate) fn fail_waiting(&self, answer: impl Fn() -> R) {
        let waiting: Vec<_> = {
            let mut q = self.state.lock().expect("group commit queue");
            q.waiting.drain(..).collect()
        };
        for (_, sender) in waiting {
            let _ = sender.send(answer());
        }
    }

    /// A writer that stops without [`Self::next`] saying so (it panicked): count it out,
    /// and say whether items wait that need another writer.
    fn writer_lost(&self) -> bool {
        let mut q = self.state.lock().expect("group commit queue");
        q.running -= 1;
        if !q.waiting.is_empty() && q.running < self.writers {
            q.running += 1;
            true
        } else {
            false
        }
    }
}

/// Submit `item` and wait for its answer. `spawn_writer` starts a task that drains the
/// queue with [`drain`].
pub(crate) async fn submit<T, R>(
    queue: &GroupCommit<T, R>,
    item: T,
    spawn_writer: impl FnOnce(),
) -> Result<R> {
    let (answer, answered) = oneshot::channel();
    if queue.push(item, answer) {
        spawn_writer();
    }
    answered
        .await
        .map_err(|_| StoreError::Internal("the write's batch failed unexpectedly".into()))
}

/// A writer's loop: take batches until the queue is empty, writing each with `write`
/// (which answers one result per item, in order).
pub(crate) async fn drain<T, R, W, F>(queue: &GroupCommit<T, R>, respawn: impl Fn(), write: W)
where
    W: Fn(Vec<T>) -> F,
    F: Future<Output = Vec<R>>,
{
    struct Lost<'a, T, R, S: Fn()> {
        queue: &'a GroupCommit<T, R>,
        respawn: S,
        armed: bool,
    }
    impl<T, R, S: Fn()> Drop for Lost<'_, T, R, S> {
        fn drop(&mut self) {
            if self.armed && self.queue.writer_lost() {
                (self.respawn)();
            }
        }
    }
    let mut guard = Lost {
        queue,
        respawn,
        armed: true,
    };
    while let Some(batch) = queue.next() {
        let (items, answers): (Vec<T>, Vec<oneshot::Sender<R>>) = batch.into_iter().unzip();
        let results = write(items);
        for (answer, result) in answers.into_iter().zip(results.await) {
            // The caller may have gone; its write stands.
            let _ = answer.send(result);
        }
    }
    guard.armed = false;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn start(queue: &Arc<GroupCommit<u32, u32>>, batches: &Arc<AtomicUsize>) {
        let (queue, batches) = (queue.clone(), batches.clone());
        tokio::spawn(async move {
            let again = {
                let (queue, batches) = (queue.clone(), batches.clone());
                move || start(&queue, &batches)
            };
            drain(&queue, again, |items: Vec<u32>| {
                batches.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::task::yield_now().await;
                    items.into_iter().map(|i| i * 10).collect()
                }
            })
            .await
        });
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_item_is_answered_with_its_own_result_in_fewer_batches() {
        let queue = Arc::new(GroupCommit::new(1));
        let batches = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for i in 0..200u32 {
            let (queue, batches) = (queue.clone(), batches.clone());
            calls.push(tokio::spawn(async move {
                submit(&queue, i, || start(&queue, &batches)).await.unwrap()
            }));
        }
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), i as u32 * 10);
        }
        let n = batches.load(Ordering::SeqCst);
        assert!(n < 200, "{n} batches for 200 concurrent items");
        // Drained: the next item starts a writer again.
        let q = queue.clone();
        let b = batches.clone();
        assert_eq!(submit(&queue, 7, || start(&q, &b)).await.unwrap(), 70);
    }

    #[tokio::test]
    async fn failing_the_waiting_answers_everything_queued_and_the_queue_goes_on() {
        let queue: Arc<GroupCommit<u32, u32>> = Arc::new(GroupCommit::new(1));
        // Queued with no writer to take them (as behind a writer stuck on a connect).
        let mut waiting = Vec::new();
        for i in 0..5u32 {
            let (tx, rx) = oneshot::channel();
            queue.push(i, tx);
            waiting.push(rx);
        }
        queue.fail_waiting(|| 99);
        for rx in waiting {
            assert_eq!(rx.await.unwrap(), 99);
        }
        assert!(queue.state.lock().unwrap().waiting.is_empty());
        // The writer that was counted in drains an empty queue and counts itself out.
        assert!(queue.next().is_none());
        let batches = Arc::new(AtomicUsize::new(0));
        let q = queue.clone();
        let b = batches.clone();
        assert_eq!(submit(&queue, 3, || start(&q, &b)).await.unwrap(), 30);
    }

    #[tokio::test]
    async fn a_writer_that_panics_fails_its_batch_and_the_queue_goes_on() {
        let queue: Arc<GroupCommit<u32, u32>> = Arc::new(GroupCommit::new(1));
        let q = queue.clone();
        let failed = submit(&queue, 1, move || {
            tokio::spawn(async move {
                drain(&q, || {}, |_items: Vec<u32>| async { panic!("a bug") }).await
            });
        })
        .await;
        assert!(failed.is_err());
        let batches = Arc::new(AtomicUsize::new(0));
        let q = queue.clone();
        let b = batches.clone();
        assert_eq!(submit(&queue, 2, || start(&q, &b)).await.unwrap(), 20);
    }
}
