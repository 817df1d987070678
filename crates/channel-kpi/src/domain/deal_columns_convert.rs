//! [`Deals`] as a list of [`Deal`] values: built from one (`collect`, `extend`, `From<Vec>`),
//! compared and printed deal by deal, and serialized as the same JSON list of deals a
//! `Vec<Deal>` gives (so Dataset JSON does not depend on the storage).

use super::{Deal, Deals};

impl PartialEq for Deals {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && (0..self.len()).all(|i| self.get(i) == o.get(i))
    }
}

impl std::fmt::Debug for Deals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Deal> for Deals {
    fn from_iter<I: IntoIterator<Item = Deal>>(iter: I) -> Self {
        let mut d = Deals::default();
        d.extend(iter);
        d
    }
}

impl Extend<Deal> for Deals {
    fn extend<I: IntoIterator<Item = Deal>>(&mut self, iter: I) {
        iter.into_iter().for_each(|d| self.push(d));
    }
}

impl From<Vec<Deal>> for Deals {
    fn from(v: Vec<Deal>) -> Self {
        v.into_iter().collect()
    }
}

impl serde::Serialize for Deals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Deals {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each;
        impl<'de> serde::de::Visitor<'de> for Each {
            type Value = Deals;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of deals")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Deals, A::Error> {
                let mut deals = Deals::default();
                while let Some(d) = seq.next_element::<Deal>()? {
                    deals.push(d);
                }
                Ok(deals)
            }
        }
        d.deserialize_seq(Each)
    }
}
