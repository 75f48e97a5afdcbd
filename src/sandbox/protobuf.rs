//! Just enough Kubernetes protobuf to read what kubectl's typed create commands send
//! (`kubectl create namespace|configmap|secret|serviceaccount`): the `k8s\0` envelope
//! (runtime.Unknown) and those kinds' messages, turned into the JSON objects the rest of the
//! server handles. Anything else is refused by the caller as 415.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

const MAGIC: &[u8] = b"k8s\0";

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// The next (field number, value); `Ok(None)` at the end, `Err` on malformed input.
    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>, ()> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let tag = self.varint().ok_or(())?;
        let wire = match tag & 7 {
            0 => Wire::Varint(self.varint().ok_or(())?),
            1 | 5 => {
                let n = if tag & 7 == 1 { 8 } else { 4 };
                self.pos = self
                    .pos
                    .checked_add(n)
                    .filter(|p| *p <= self.buf.len())
                    .ok_or(())?;
                Wire::Fixed
            }
            2 => {
                let len = usize::try_from(self.varint().ok_or(())?).map_err(|_| ())?;
                let end = self
                    .pos
                    .checked_add(len)
                    .filter(|e| *e <= self.buf.len())
                    .ok_or(())?;
                let bytes = &self.buf[self.pos..end];
                self.pos = end;
                Wire::Bytes(bytes)
            }
            _ => return Err(()),
        };
        Ok(Some((tag >> 3, wire)))
    }
}

fn text(b: &[u8]) -> Result<String, ()> {
    String::from_utf8(b.to_vec()).map_err(|_| ())
}

/// Visits every field of a message.
fn fields<'a>(buf: &'a [u8], mut f: impl FnMut(u64, Wire<'a>) -> Result<(), ()>) -> Result<(), ()> {
    let mut r = Reader::new(buf);
    while let Some((n, w)) = r.next()? {
        f(n, w)?;
    }
    Ok(())
}

/// A map entry message {key = 1, value = 2}; values as text or base64 of bytes.
fn entry(buf: &[u8], binary: bool) -> Result<(String, Value), ()> {
    let (mut key, mut value) = (String::new(), Value::String(String::new()));
    fields(buf, |n, w| {
        if let Wire::Bytes(b) = w {
            match n {
                1 => key = text(b)?,
                2 => value = Value::String(if binary { STANDARD.encode(b) } else { text(b)? }),
                _ => {}
            }
        }
        Ok(())
    })?;
    Ok((key, value))
}

fn insert_entry(
    map: &mut Map<String, Value>,
    field: &str,
    buf: &[u8],
    binary: bool,
) -> Result<(), ()> {
    let (k, v) = entry(buf, binary)?;
    let target = map.entry(field).or_insert_with(|| json!({}));
    if let Some(m) = target.as_object_mut() {
        m.insert(k, v);
    }
    Ok(())
}

fn push_string(map: &mut Map<String, Value>, field: &str, b: &[u8]) -> Result<(), ()> {
    let s = text(b)?;
    if let Some(a) = map.entry(field).or_insert_with(|| json!([])).as_array_mut() {
        a.push(Value::String(s));
    }
    Ok(())
}

fn object_meta(buf: &[u8]) -> Result<Value, ()> {
    let mut m = Map::new();
    fields(buf, |n, w| {
        if let Wire::Bytes(b) = w {
            match n {
                1..=3 => {
                    let field = ["name", "generateName", "namespace"][(n - 1) as usize];
                    // Go's encoder writes empty strings too; JSON omits them.
                    if !b.is_empty() {
                        m.insert(field.into(), Value::String(text(b)?));
                    }
                }
                11 => insert_entry(&mut m, "labels", b, false)?,
                12 => insert_entry(&mut m, "annotations", b, false)?,
                14 => push_string(&mut m, "finalizers", b)?,
                _ => {}
            }
        }
        Ok(())
    })?;
    Ok(Value::Object(m))
}

/// The body of one supported kind, from its message bytes.
fn object(kind: &str, buf: &[u8]) -> Result<Value, ()> {
    let mut o = Map::new();
    fields(buf, |n, w| {
        match (kind, n, w) {
            (_, 1, Wire::Bytes(b)) => {
                o.insert("metadata".into(), object_meta(b)?);
            }
            ("Namespace", 2, Wire::Bytes(b)) => {
                let mut spec = Map::new();
                fields(b, |n, w| match (n, w) {
                    (1, Wire::Bytes(s)) => push_string(&mut spec, "finalizers", s),
                    _ => Ok(()),
                })?;
                o.insert("spec".into(), Value::Object(spec));
            }
            ("ConfigMap", 2, Wire::Bytes(b)) => insert_entry(&mut o, "data", b, false)?,
            ("ConfigMap", 3, Wire::Bytes(b)) => insert_entry(&mut o, "binaryData", b, true)?,
            ("ConfigMap", 4, Wire::Varint(v)) | ("Secret", 5, Wire::Varint(v)) => {
                o.insert("immutable".into(), json!(v != 0));
            }
            ("Secret", 2, Wire::Bytes(b)) => insert_entry(&mut o, "data", b, true)?,
            ("Secret", 3, Wire::Bytes(b)) => {
                o.insert("type".into(), Value::String(text(b)?));
            }
            ("Secret", 4, Wire::Bytes(b)) => insert_entry(&mut o, "stringData", b, false)?,
            ("ServiceAccount", 3, Wire::Bytes(b)) => {
                let (name, _) = entry(b, false)?;
                let list = o.entry("imagePullSecrets").or_insert_with(|| json!([]));
                if let Some(a) = list.as_array_mut() {
                    a.push(json!({"name": name}));
                }
            }
            ("ServiceAccount", 4, Wire::Varint(v)) => {
                o.insert("automountServiceAccountToken".into(), json!(v != 0));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(Value::Object(o))
}

/// Decodes a protobuf request body of a supported kind into its JSON object, or None.
pub fn decode(body: &[u8]) -> Option<Value> {
    let envelope = body.strip_prefix(MAGIC)?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), None);
    fields(envelope, |n, w| {
        match (n, w) {
            (1, Wire::Bytes(type_meta)) => fields(type_meta, |n, w| {
                match (n, w) {
                    (1, Wire::Bytes(b)) => api_version = text(b)?,
                    (2, Wire::Bytes(b)) => kind = text(b)?,
                    _ => {}
                }
                Ok(())
            })?,
            (2, Wire::Bytes(b)) => raw = Some(b),
            _ => {}
        }
        Ok(())
    })
    .ok()?;
    if api_version != "v1"
        || !["Namespace", "ConfigMap", "Secret", "ServiceAccount"].contains(&kind.as_str())
    {
        return None;
    }
    let mut value = object(&kind, raw?).ok()?;
    value["apiVersion"] = json!(api_version);
    value["kind"] = json!(kind);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![((n << 3) | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn decodes_a_configmap_envelope() {
        let meta = [
            field(1, b"cfg"),
            field(11, &[field(1, b"app"), field(2, b"web")].concat()),
        ]
        .concat();
        let cm = [
            field(1, &meta),
            field(2, &[field(1, b"k"), field(2, b"v")].concat()),
        ]
        .concat();
        let type_meta = [field(1, b"v1"), field(2, b"ConfigMap")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &cm)].concat();
        let v = decode(&body).expect("decodes");
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cfg", "labels": {"app": "web"}}, "data": {"k": "v"}})
        );
    }

    #[test]
    fn refuses_garbage_and_other_kinds() {
        assert!(decode(b"k8s\0\xff\xff").is_none());
        assert!(decode(b"{}").is_none());
        let type_meta = [field(1, b"apps/v1"), field(2, b"Deployment")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, b"")].concat();
        assert!(decode(&body).is_none());
    }
}
