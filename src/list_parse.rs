//! Reading back a `$filter` in the one shape [`crate::list::ListQuery`]
//! writes, so that a proxy can let through exactly the filters the package
//! would send, and nothing else: no other field, operator or function.
//!
//! The shape: clauses joined by ` and `; a clause is `field op value` or a
//! parenthesised ` or ` of `field eq 'value'` on one field; values are
//! OData strings (`'…'`, quotes doubled) or, for dates, bare ISO 8601 text.

use crate::list::ListFilter;

/// The filter that `text` was built from; `None` for any other text.
pub(crate) fn parse(text: &str) -> Option<ListFilter> {
    let mut filter = ListFilter::default();
    if text.is_empty() {
        return Some(filter);
    }
    let mut rest = text;
    loop {
        rest = if let Some(group) = rest.strip_prefix('(') {
            let (field, values, after) = or_group(group)?;
            add(&mut filter, field, "eq", values)?;
            after
        } else {
            let (field, operator, value, after) = comparison(rest)?;
            add(&mut filter, field, operator, vec![value])?;
            after
        };
        if rest.is_empty() {
            return Some(filter);
        }
        rest = rest.strip_prefix(" and ")?;
    }
}

/// `a eq 'x' or a eq 'y')…`: the field, its values, and the text after `)`.
fn or_group(mut rest: &str) -> Option<(&str, Vec<String>, &str)> {
    let mut field = None;
    let mut values = Vec::new();
    loop {
        let (name, operator, value, after) = comparison(rest)?;
        if operator != "eq" || field.is_some_and(|f| f != name) {
            return None;
        }
        field = Some(name);
        values.push(value);
        if let Some(after) = after.strip_prefix(')') {
            return Some((field?, values, after));
        }
        rest = after.strip_prefix(" or ")?;
    }
}

/// `field op value` at the start of `text`, and the text after it.
fn comparison(text: &str) -> Option<(&str, &str, String, &str)> {
    let (field, rest) = text.split_once(' ')?;
    let (operator, rest) = rest.split_once(' ')?;
    if let Some(quoted) = rest.strip_prefix('\'') {
        let end = closing_quote(quoted)?;
        let value = unquote(&quoted[..end])?;
        return Some((field, operator, value, &quoted[end + 1..]));
    }
    let end = rest.find([' ', ')']).unwrap_or(rest.len());
    Some((field, operator, rest[..end].to_owned(), &rest[end..]))
}

/// Where the string that `text` continues ends: the first single quote that
/// is not one of a doubled pair.
fn closing_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'\'' {
            if bytes.get(at + 1) == Some(&b'\'') {
                at += 2;
                continue;
            }
            return Some(at);
        }
        at += 1;
    }
    None
}

/// The text of an OData string's inside: doubled quotes read as one; a lone
/// quote is not a string's inside.
pub(crate) fn unquote(inside: &str) -> Option<String> {
    let mut text = String::with_capacity(inside.len());
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        text.push(c);
    }
    Some(text)
}

/// Puts a clause into `filter`; `None` for a field or operator the filter
/// has no place for, or a field given twice.
fn add(filter: &mut ListFilter, field: &str, operator: &str, values: Vec<String>) -> Option<()> {
    fn once(slot: &mut Option<String>, mut values: Vec<String>) -> Option<()> {
        if slot.is_some() || values.len() != 1 {
            return None;
        }
        *slot = values.pop();
        Some(())
    }
    let list = match (field, operator) {
        ("status", "eq") => &mut filter.status,
        ("machineId", "eq") => &mut filter.machine_id,
        ("type", "eq") => &mut filter.action_type,
        ("requestor", "eq") => return once(&mut filter.requestor, values),
        ("creationDateTimeUtc", "ge") => return once(&mut filter.created_after, values),
        ("creationDateTimeUtc", "lt") => return once(&mut filter.created_before, values),
        _ => return None,
    };
    if !list.is_empty() {
        return None;
    }
    *list = values;
    Some(())
}
