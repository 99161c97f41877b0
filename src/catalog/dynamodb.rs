//! The `dynamodb` source: letme's table, scanned page by page with `via`'s credentials. Items are
//! as letme writes them: `name`, `id`, `description`, `region` (a list) and `role` (a list, assumed
//! in order). Each item becomes JSON and goes through `RawEntry::from_json`, the one reader of
//! entries, so an item is checked exactly as a file's entry is.

use super::progress::Progress;
use super::{RawEntry, Spec};
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use anyhow::Result;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use std::collections::HashMap;

/// Every item of the table, unchecked.
pub fn read(
    ctx: &Context,
    chain: &Chain,
    creds: &Credentials,
    spec: &Spec,
    progress: &Progress,
) -> Result<Vec<RawEntry>> {
    let aws = ctx.aws(chain)?;
    let region = spec.region.clone().unwrap_or_default();
    let table = spec.table.clone().unwrap_or_default();
    let conf = aws_sdk_dynamodb::config::Builder::from(aws.sdk_config())
        .credentials_provider(crate::credentials::aws::signing(creds))
        .region(aws_config::Region::new(region))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(conf);
    let mut entries = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = aws.send(
            "DynamoDB",
            "Scan",
            client
                .scan()
                .table_name(&table)
                .set_exclusive_start_key(start.take())
                .send(),
        )?;
        let items = page.items();
        entries.extend(items.iter().map(|item| RawEntry::from_json(&json_of(item))));
        progress.add(items.len() as u64, None);
        match page.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => break,
        }
    }
    Ok(entries)
}

/// An item as JSON: strings and numbers as strings, lists and string sets as arrays, maps as
/// objects; what has no such shape (binary, a boolean, null) as null, which the entry's reader
/// takes as missing or refuses where a string is needed.
fn json_of(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), value(v, 0))).collect())
}

/// One attribute as JSON; nesting past a few levels is cut (an entry has none).
fn value(v: &AttributeValue, depth: usize) -> Value {
    if depth > 4 {
        return Value::Null;
    }
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => Value::String(s.clone()),
        AttributeValue::Ss(items) | AttributeValue::Ns(items) => {
            Value::Array(items.iter().cloned().map(Value::String).collect())
        }
        AttributeValue::L(items) => {
            Value::Array(items.iter().map(|i| value(i, depth + 1)).collect())
        }
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), value(v, depth + 1)))
                .collect(),
        ),
        AttributeValue::Bool(b) => Value::Bool(*b),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_string())
    }

    #[test]
    fn letme_items_read_as_entries() {
        let item: HashMap<String, AttributeValue> = [
            ("name".to_string(), s("app")),
            ("id".to_string(), AttributeValue::N("111111111111".into())),
            (
                "region".to_string(),
                AttributeValue::L(vec![s("eu-west-1"), s("us-east-1")]),
            ),
            (
                "role".to_string(),
                AttributeValue::Ss(vec!["arn:aws:iam::111111111111:role/a".into()]),
            ),
        ]
        .into();
        let raw = RawEntry::from_json(&json_of(&item));
        assert_eq!(raw.name.as_deref(), Some("app"));
        assert_eq!(raw.id.as_deref(), Some("111111111111"));
        assert_eq!(raw.regions, ["eu-west-1", "us-east-1"]);
        assert_eq!(raw.roles, ["arn:aws:iam::111111111111:role/a"]);
        assert!(raw.malformed.is_none());

        let odd: HashMap<String, AttributeValue> = [
            ("name".to_string(), AttributeValue::Bool(true)),
            ("aws_secret_access_key".to_string(), s("x")),
        ]
        .into();
        let raw = RawEntry::from_json(&json_of(&odd));
        assert!(raw.malformed.is_some());
        assert_eq!(raw.forbidden, ["aws_secret_access_key"]);
    }
}
