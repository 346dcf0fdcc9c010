//! The in-memory store behind the REST resources: a skeleton's stand-in for the
//! service's own database (database per service: no other service reads it).
//! Replace it with a real repository; the handlers only use [`Store`]'s methods.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::AppState;

/// An entity exposed as a REST resource: `GET/POST <collection>`,
/// `GET/PUT/DELETE <collection>/{id}`.
pub trait Resource: Clone + Serialize + Send + Sync + 'static {
    /// The request body of `POST` and `PUT`: every field but the id.
    type Input: DeserializeOwned + Send + 'static;
    fn store(state: &AppState) -> &Store<Self>;
    fn from_input(id: i64, input: Self::Input) -> Self;
}

/// Rows by id, ids handed out from 1.
#[derive(Debug)]
pub struct Store<T> {
    inner: RwLock<Rows<T>>,
}

#[derive(Debug)]
struct Rows<T> {
    next_id: i64,
    rows: BTreeMap<i64, T>,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store {
            inner: RwLock::new(Rows {
                next_id: 1,
                rows: BTreeMap::new(),
            }),
        }
    }
}

impl<T: Clone> Store<T> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows<T>> {
        // A panic while holding the lock cannot leave a half-written row (every write is
        // one map operation), so a poisoned lock is still consistent.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rows<T>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn list(&self) -> Vec<T> {
        self.read().rows.values().cloned().collect()
    }

    pub fn get(&self, id: i64) -> Option<T> {
        self.read().rows.get(&id).cloned()
    }

    /// Stores the row `make(id)` under a new id.
    pub fn insert_with(&self, make: impl FnOnce(i64) -> T) -> T {
        let mut rows = self.write();
        let id = rows.next_id;
        rows.next_id += 1;
        let row = make(id);
        rows.rows.insert(id, row.clone());
        row
    }

    /// Replaces an existing row; `None` if there is none with this id.
    pub fn replace(&self, id: i64, row: T) -> Option<T> {
        let mut rows = self.write();
        let slot = rows.rows.get_mut(&id)?;
        *slot = row.clone();
        Some(row)
    }

    pub fn remove(&self, id: i64) -> bool {
        self.write().rows.remove(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_handed_out_once() {
        let store: Store<(i64, &str)> = Store::default();
        assert_eq!(store.insert_with(|id| (id, "a")), (1, "a"));
        assert_eq!(store.insert_with(|id| (id, "b")), (2, "b"));
        assert!(store.remove(1));
        assert!(!store.remove(1));
        assert_eq!(store.insert_with(|id| (id, "c")).0, 3);
        assert_eq!(store.replace(2, (2, "B")), Some((2, "B")));
        assert_eq!(store.replace(9, (9, "x")), None);
        assert_eq!(store.list(), vec![(2, "B"), (3, "c")]);
    }
}
