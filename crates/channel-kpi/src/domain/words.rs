//! [`Words`]: the dictionary of a column store's free texts (partners, owners, sources …),
//! each distinct text stored once and named by a small dense id.

use rustc_hash::FxHashMap as HashMap;

/// Distinct text values, each stored once; id 0 is "absent", value `k` has id `k + 1`.
#[derive(Clone, Default)]
pub(crate) struct Words {
    values: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Words {
    pub(crate) fn id(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let s: Box<str> = Box::from(s);
        self.values.push(s.clone());
        let id = u32::try_from(self.values.len()).expect("fewer than 4 billion distinct deal texts");
        self.ids.insert(s, id);
        id
    }
    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<&str> {
        (id > 0).then(|| &*self.values[id as usize - 1])
    }
    /// The distinct texts, in id order (id 1 first).
    pub(crate) fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|s| &**s)
    }
    /// Number of distinct texts.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Heap bytes held (each text twice: the list and the map's key).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.values.iter().map(|s| 2 * s.len() + 40).sum::<usize>()
    }
}
