//! Case-insensitive struct field matching when reading kustomize's configuration files.
//!
//! kustomize decodes kustomizations with Go's `encoding/json`, which matches object keys to
//! struct fields case-insensitively (an exact match wins): `nameprefix:` and
//! `fieldpath:` are accepted. This deserializer gives serde the same behaviour for every
//! nested struct, while unknown fields stay errors.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::{Error, Map, Value};

/// Deserializes `value` into `T`, matching struct field names case-insensitively.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(Folding(value))
}

struct Folding(Value);

impl<'de> Deserializer<'de> for Folding {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq(items.into_iter())),
            Value::Object(map) => visitor.visit_map(Fields::new(map, None)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Folding(other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields::new(map, Some(fields))),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    // Go's encoding/json leaves the zero value where the input has null: "" for a
    // string, false, 0, and a nil (empty) slice or map.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_str(""),
            other => Folding(other).deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_bool(false),
            other => Folding(other).deserialize_any(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_seq(Seq(Vec::new().into_iter())),
            other => Folding(other).deserialize_any(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_map(Fields::new(Map::new(), None)),
            other => Folding(other).deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf unit unit_struct tuple tuple_struct identifier ignored_any
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(value) => seed.deserialize(Folding(value)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    entries: std::vec::IntoIter<(String, Value)>,
    pending: Option<Value>,
}

impl Fields {
    /// Renames keys to the struct's field names; a key that matches a field exactly is
    /// kept, and when several keys fold to one field the last one wins, as in Go.
    fn new(map: Map<String, Value>, fields: Option<&'static [&'static str]>) -> Fields {
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(map.len());
        for (key, value) in map {
            let key = match fields {
                Some(fields) if !fields.contains(&key.as_str()) => fields
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(&key))
                    .map(|f| f.to_string())
                    .unwrap_or(key),
                _ => key,
            };
            if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            } else {
                entries.push((key, value));
            }
        }
        Fields {
            entries: entries.into_iter(),
            pending: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                let key: de::value::StringDeserializer<Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.pending.take().unwrap_or(Value::Null);
        seed.deserialize(Folding(value))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Inner {
        field_path: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Outer {
        name_prefix: String,
        #[serde(default)]
        items: Vec<Inner>,
        #[serde(default)]
        extra: Option<serde_json::Value>,
    }

    #[test]
    fn folds_case_at_every_level_and_keeps_unknown_fields_errors() {
        let v = json!({"NAMEPREFIX": "p-", "items": [{"fieldpath": "a.b"}], "extra": {"Keep": 1}});
        let out: Outer = super::from_value(v).expect("folds");
        assert_eq!(out.name_prefix, "p-");
        assert_eq!(out.items[0].field_path, "a.b");
        assert_eq!(out.extra, Some(json!({"Keep": 1})));
        let err = super::from_value::<Outer>(json!({"namePrefix": "x", "bogus": 1}))
            .expect_err("unknown");
        assert!(err.to_string().contains("bogus"));
    }
}
