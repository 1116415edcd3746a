//! Spreading independent work over the machine's cores, with results in input order.

/// `items.iter().map(f)`, on as many threads as the machine has cores, in order.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    par_chunks(items, |part| part.iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

/// `f` on consecutive parts of `items`, one part per core (fewer for few items), each on
/// a thread of its own; the results in the order of the parts.
pub(crate) fn par_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    match part_len(items.len()) {
        Some(len) => on_threads(items.chunks(len).collect(), f),
        None => vec![f(items)],
    }
}

/// `items.into_iter().map(f)`, on as many threads as the machine has cores, in order: each
/// item is moved to the thread that maps it (and is dropped there unless `f` returns it).
pub(crate) fn par_map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let Some(len) = part_len(items.len()) else {
        return items.into_iter().map(f).collect();
    };
    let mut parts = Vec::new();
    let mut rest = items;
    while rest.len() > len {
        let tail = rest.split_off(len);
        parts.push(rest);
        rest = tail;
    }
    parts.push(rest);
    on_threads(parts, |part| part.into_iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

/// How many items each thread takes, or `None` when one thread does it all (one core, or
/// fewer than two items).
fn part_len(items: usize) -> Option<usize> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    (threads >= 2 && items >= 2).then(|| items.div_ceil(threads))
}

/// `f` on each part, each on a thread of its own; the results in the order of the parts.
/// A panic on a thread goes on in the caller.
fn on_threads<P: Send, R: Send>(parts: Vec<P>, f: impl Fn(P) -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let f = &f;
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
