//! [`as_list!`]: a column store of records ([`super::Deals`], [`super::Leads`]) as a list of
//! record values — built from them (`collect`, `extend`, `From<Vec>`), compared and printed
//! record by record, and serialized as the same JSON list a `Vec` of the records gives (so
//! Dataset JSON does not depend on the storage).

/// `as_list!(Store, Record, "a list of records")` for a store with `push(Record)`,
/// `get(i) -> Record`, `len()` and `iter()`.
macro_rules! as_list {
    ($store:ident, $record:ident, $what:literal) => {
        impl PartialEq for $store {
            fn eq(&self, o: &Self) -> bool {
                self.len() == o.len() && (0..self.len()).all(|i| self.get(i) == o.get(i))
            }
        }

        impl std::fmt::Debug for $store {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        impl FromIterator<$record> for $store {
            fn from_iter<I: IntoIterator<Item = $record>>(iter: I) -> Self {
                let mut s = $store::default();
                s.extend(iter);
                s
            }
        }

        impl Extend<$record> for $store {
            fn extend<I: IntoIterator<Item = $record>>(&mut self, iter: I) {
                iter.into_iter().for_each(|r| self.push(r));
            }
        }

        impl From<Vec<$record>> for $store {
            fn from(v: Vec<$record>) -> Self {
                v.into_iter().collect()
            }
        }

        impl serde::Serialize for $store {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl<'de> serde::Deserialize<'de> for $store {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Each;
                impl<'de> serde::de::Visitor<'de> for Each {
                    type Value = $store;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<$store, A::Error> {
                        let mut s = $store::default();
                        while let Some(r) = seq.next_element::<$record>()? {
                            s.push(r);
                        }
                        Ok(s)
                    }
                }
                d.deserialize_seq(Each)
            }
        }
    };
}
pub(super) use as_list;
