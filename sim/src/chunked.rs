//! A vector stored in shared, copy-on-write chunks, so that cloning a whole simulation for
//! a time-travel checkpoint costs a few pointer copies instead of copying every log entry.

use std::sync::Arc;

const CHUNK: usize = 256;

#[derive(Clone, Debug)]
pub struct ChunkedVec<T: Clone> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T: Clone> Default for ChunkedVec<T> {
    fn default() -> Self {
        ChunkedVec::new()
    }
}

impl<T: Clone> ChunkedVec<T> {
    pub fn new() -> Self {
        ChunkedVec {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, value: T) {
        if self.chunks.len() * CHUNK == self.len {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk was just ensured");
        Arc::make_mut(last).push(value);
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        self.chunks[i / CHUNK].get(i % CHUNK)
    }

    /// Copies the chunk first if a checkpoint still shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        Arc::make_mut(&mut self.chunks[i / CHUNK]).get_mut(i % CHUNK)
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let keep_chunks = len.div_ceil(CHUNK);
        self.chunks.truncate(keep_chunks);
        if let Some(last) = self.chunks.last_mut() {
            let in_last = len - (keep_chunks - 1) * CHUNK;
            if last.len() != in_last {
                Arc::make_mut(last).truncate(in_last);
            }
        }
        self.len = len;
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Items `from..to`, clamped to the vector.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = &T> + '_ {
        let to = to.min(self.len);
        (from.min(to)..to).map(move |i| &self.chunks[i / CHUNK][i % CHUNK])
    }

    /// Bytes held in chunks that nothing else shares (no other clone, no checkpoint): what
    /// dropping this copy would free, counting each item's own size only.
    pub fn unshared_bytes(&self) -> usize {
        let item = std::mem::size_of::<T>();
        let unique = self
            .chunks
            .iter()
            .filter(|c| Arc::strong_count(c) == 1)
            .map(|c| c.capacity() * item)
            .sum::<usize>();
        unique + self.chunks.capacity() * std::mem::size_of::<Arc<Vec<T>>>()
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T: Clone> FromIterator<T> for ChunkedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = ChunkedVec::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

impl<T: Clone + PartialEq> PartialEq for ChunkedVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec_across_chunk_edges_and_clones() {
        let mut v: ChunkedVec<u32> = (0..600).collect();
        let snapshot = v.clone();
        v.truncate(256);
        assert_eq!(v.len(), 256);
        v.push(9999);
        *v.get_mut(3).unwrap() = 7;
        assert_eq!(v.get(256), Some(&9999));
        assert_eq!(v.get(3), Some(&7));
        // The checkpoint taken before is untouched by later changes.
        assert_eq!(snapshot.len(), 600);
        assert_eq!(snapshot.get(3), Some(&3));
        assert_eq!(snapshot.get(599), Some(&599));
        assert_eq!(
            v.range(254, 300).copied().collect::<Vec<_>>(),
            vec![254, 255, 9999]
        );
        v.truncate(0);
        assert!(v.is_empty());
    }
}
