//! Parser for the compact type-table notation the built-in schemas are written in.
//!
//! One type per line (indented lines continue it): `Name: field field …`, `Name!:` for an
//! atomic struct. A field is `name[:type][flags]`:
//! - types: `s` (default) `i` `b` string/numeric/boolean, `ios` IntOrString, `qty` Quantity,
//!   `time` Time, `any` untyped (granular maps, atomic lists), `raw` untyped atomic, a type name,
//!   `[T]` atomic list, `[T]set`, `[T/k1,k2]` list-map, `{T}` map, `{T}a` atomic map;
//! - flags: `*` Go pointer scalar (zero kept), `=v` always written, `v` being its zero or default
//!   (`{}`, `""`, `0`, `false`, `TCP`), `^` written as `null` when unset, `@m` / `@m=key` strategic
//!   merge (`key` defaults to the first list-map key), `@mr` merge + retainKeys, `@r` retainKeys.

use serde_json::Value;

use super::types::{
    Atom, BOOLEAN, DEDUCED, Emit, FieldDef, ListDef, ListRel, MapDef, NUMERIC, STRING, SmpField,
    TypeId, TypeTable, UNTYPED_ATOMIC,
};

/// A problem in a table; built-in tables are checked by unit tests, so this never reaches users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DslError(pub(crate) String);

struct TypeLine<'a> {
    name: &'a str,
    atomic: bool,
    fields: Vec<&'a str>,
}

/// Parses `tables` into `table`, registering every named type.
pub(crate) fn parse_into(table: &mut TypeTable, tables: &[&str]) -> Result<(), DslError> {
    let mut lines: Vec<TypeLine> = Vec::new();
    for text in tables {
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("");
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with(char::is_whitespace) {
                let Some(last) = lines.last_mut() else {
                    return Err(DslError(format!("continuation without a type: {raw}")));
                };
                last.fields.extend(line.split_whitespace());
                continue;
            }
            let (head, rest) = line
                .split_once(':')
                .ok_or_else(|| DslError(format!("missing ':' in {raw}")))?;
            let (name, atomic) = match head.trim().strip_suffix('!') {
                Some(n) => (n, true),
                None => (head.trim(), false),
            };
            lines.push(TypeLine {
                name,
                atomic,
                fields: rest.split_whitespace().collect(),
            });
        }
    }
    // First pass: every named type gets its id, so fields may refer to later types.
    for line in &lines {
        let id = table.push(Atom::default());
        if table.names.insert(line.name.to_string(), id).is_some() {
            return Err(DslError(format!("type {} defined twice", line.name)));
        }
    }
    for line in &lines {
        let mut fields = Vec::with_capacity(line.fields.len());
        for token in &line.fields {
            fields.push(
                parse_field(table, token)
                    .map_err(|e| DslError(format!("{}: {}", line.name, e.0)))?,
            );
        }
        let id = table.names[line.name];
        table.types[id as usize].map = Some(MapDef::new(fields, None, line.atomic));
    }
    Ok(())
}

fn parse_field(table: &mut TypeTable, token: &str) -> Result<FieldDef, DslError> {
    let name_end = token
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(token.len());
    let name = &token[..name_end];
    let mut rest = &token[name_end..];
    let ty = match rest.strip_prefix(':') {
        Some(r) => {
            let (ty, after) = parse_type(table, r)?;
            rest = after;
            ty
        }
        None => STRING,
    };
    let mut field = FieldDef {
        name: name.into(),
        ty,
        default: None,
        emit: Emit::Omit,
        keep_zero: false,
        nullable: false,
        smp: SmpField::default(),
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('*') {
            field.keep_zero = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('^') {
            field.emit = Emit::Null;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('=') {
            let end = r.find(['@', '*', '^']).unwrap_or(r.len());
            let value = literal(&r[..end]);
            field.default = Some(value.clone());
            field.emit = Emit::Zero(value);
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("@mr") {
            field.smp.merge_key = Some(first_key(table, ty));
            field.smp.retain_keys = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("@m=") {
            let end = r.find(['@', '*', '^', '=']).unwrap_or(r.len());
            field.smp.merge_key = Some(r[..end].to_string());
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("@m") {
            field.smp.merge_key = Some(first_key(table, ty));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("@r") {
            field.smp.retain_keys = true;
            rest = r;
        } else {
            return Err(DslError(format!("bad flags {rest:?} in {token}")));
        }
    }
    Ok(field)
}

/// The strategic-merge key implied by a list-map: its first key (empty for sets).
fn first_key(table: &TypeTable, ty: TypeId) -> String {
    match table.atom(ty).list.as_ref().map(|l| &l.rel) {
        Some(ListRel::Associative(keys)) => keys.first().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

fn literal(text: &str) -> Value {
    match text {
        "{}" => Value::Object(Default::default()),
        "\"\"" => Value::String(String::new()),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        t => t
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(t.trim_matches('"').to_string())),
    }
}

/// Parses a type at the start of `text`, returning it and the unparsed rest.
fn parse_type<'a>(table: &mut TypeTable, text: &'a str) -> Result<(TypeId, &'a str), DslError> {
    if let Some(inner) = text.strip_prefix('[') {
        let (elem, rest) = parse_type(table, inner)?;
        let (keys, rest) = match rest.strip_prefix('/') {
            Some(r) => {
                let end = r
                    .find(']')
                    .ok_or_else(|| DslError(format!("unclosed list in {text}")))?;
                let keys: Vec<String> = r[..end].split(',').map(str::to_string).collect();
                (Some(keys), &r[end..])
            }
            None => (None, rest),
        };
        let rest = rest
            .strip_prefix(']')
            .ok_or_else(|| DslError(format!("unclosed list in {text}")))?;
        let (rel, rest) = match (keys, rest.strip_prefix("set")) {
            (Some(keys), _) => (ListRel::Associative(keys), rest),
            (None, Some(r)) => (ListRel::Associative(Vec::new()), r),
            (None, None) => (ListRel::Atomic, rest),
        };
        let id = table.push(Atom {
            list: Some(ListDef { elem, rel }),
            ..Atom::default()
        });
        return Ok((id, rest));
    }
    if let Some(inner) = text.strip_prefix('{') {
        let (elem, rest) = parse_type(table, inner)?;
        let rest = rest
            .strip_prefix('}')
            .ok_or_else(|| DslError(format!("unclosed map in {text}")))?;
        let (atomic, rest) = match rest.strip_prefix('a') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let id = table.push(Atom {
            map: Some(MapDef::new(Vec::new(), Some(elem), atomic)),
            ..Atom::default()
        });
        return Ok((id, rest));
    }
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let id = match word {
        "s" => STRING,
        "i" => NUMERIC,
        "b" => BOOLEAN,
        "any" => DEDUCED,
        "raw" => UNTYPED_ATOMIC,
        "ios" | "qty" | "time" => named_scalar(table, word),
        name => *table
            .names
            .get(name)
            .ok_or_else(|| DslError(format!("unknown type {name}")))?,
    };
    Ok((id, rest))
}

/// IntOrString, Quantity and Time are untyped scalars that differ in their Go zero value.
fn named_scalar(table: &mut TypeTable, word: &str) -> TypeId {
    let key = format!("#{word}");
    if let Some(id) = table.names.get(&key) {
        return *id;
    }
    let zero = match word {
        "ios" => Value::from(0),
        "qty" => Value::String("0".into()),
        _ => Value::Null,
    };
    let id = table.push(Atom {
        scalar: Some(super::types::ScalarKind::Untyped),
        go_zero: Some(zero),
        ..Atom::default()
    });
    table.names.insert(key, id);
    id
}

/// Builds a fresh table from `tables`.
pub(crate) fn build(tables: &[&str]) -> Result<TypeTable, DslError> {
    let mut table = TypeTable::primitives();
    parse_into(&mut table, tables)?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_types_and_flags() {
        let table = build(&["Port: containerPort:i=0 protocol=TCP name\n\
             Spec: ports:[Port/containerPort,protocol]@m replicas:i* sel:Sel^\n  tags:[s]set@m m:{s}a\n\
             Sel!: labels:{s}"])
        .expect("parses");
        let spec = table
            .atom(table.names["Spec"])
            .map
            .as_ref()
            .expect("struct");
        let ports = spec.field("ports").expect("ports");
        let list = table.atom(ports.ty).list.as_ref().expect("list");
        assert_eq!(
            list.rel,
            ListRel::Associative(vec!["containerPort".into(), "protocol".into()])
        );
        assert_eq!(ports.smp.merge_key.as_deref(), Some("containerPort"));
        assert!(spec.field("replicas").expect("replicas").keep_zero);
        assert_eq!(spec.field("sel").expect("sel").emit, Emit::Null);
        assert_eq!(
            spec.field("tags").expect("tags").smp.merge_key.as_deref(),
            Some("")
        );
        assert!(
            table
                .atom(spec.field("m").expect("m").ty)
                .map
                .as_ref()
                .expect("map")
                .atomic
        );
        let port = table
            .atom(table.names["Port"])
            .map
            .as_ref()
            .expect("struct");
        assert_eq!(
            port.field("protocol").expect("protocol").default,
            Some(Value::from("TCP"))
        );
        assert!(
            table
                .atom(table.names["Sel"])
                .map
                .as_ref()
                .expect("struct")
                .atomic
        );
    }

    #[test]
    fn rejects_unknown_types() {
        assert!(build(&["A: b:Missing"]).is_err());
    }
}
