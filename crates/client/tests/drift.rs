//! The client against the committed OpenAPI document (openapi/openapi.json, which the
//! server's own test keeps fresh): every endpoint the client declares must exist with
//! the parameters it sends and the body schemas it serialises and deserialises. Also
//! prints the operations the client does not call, so coverage stays visible.

use std::collections::BTreeSet;

use docket_client::endpoints::{ALL, Endpoint, Schema};
use serde_json::{Value, json};

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is readable");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

fn schema_json(schema: &Schema) -> Option<Value> {
    let r = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    match schema {
        Schema::None => None,
        Schema::Ref(name) => Some(r(name)),
        Schema::Array(name) => Some(json!({ "type": "array", "items": r(name) })),
        Schema::Bytes => None,
    }
}

fn schema_name(schema: &Schema) -> Option<&str> {
    match schema {
        Schema::None | Schema::Bytes => None,
        Schema::Ref(n) | Schema::Array(n) => Some(n),
    }
}

/// Every way `endpoint` disagrees with `doc`.
fn check(doc: &Value, endpoint: &Endpoint) -> Vec<String> {
    let mut errors = Vec::new();
    let mut fail = |m: String| {
        errors.push(format!(
            "{} ({} {}): {m}",
            endpoint.name,
            endpoint.method.as_str().to_uppercase(),
            endpoint.path
        ))
    };
    let Some(op) = doc["paths"][endpoint.path].get(endpoint.method.as_str()) else {
        fail("no such operation in the document".into());
        return errors;
    };
    let params: Vec<(String, String)> = op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_string(),
                        p["in"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let declared = |name: &str, place: &str| {
        params.iter().any(|(n, i)| {
            i == place && (n == name || (place == "header" && n.eq_ignore_ascii_case(name)))
        })
    };

    // Path parameters: the template's placeholders are exactly the operation's.
    let in_template: BTreeSet<String> = endpoint
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .collect();
    let in_doc: BTreeSet<String> = params
        .iter()
        .filter(|(_, i)| i == "path")
        .map(|(n, _)| n.clone())
        .collect();
    if in_template != in_doc {
        fail(format!(
            "path parameters {in_template:?}, the document has {in_doc:?}"
        ));
    }
    for q in endpoint.query {
        if !declared(q, "query") {
            fail(format!(
                "sends query parameter `{q}`, which the operation does not declare"
            ));
        }
    }
    for h in endpoint.headers {
        if !declared(h, "header") {
            fail(format!(
                "sends header `{h}`, which the operation does not declare"
            ));
        }
    }

    // The request body.
    let request = (endpoint.request)();
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    let raw = &op["requestBody"]["content"]["application/octet-stream"];
    match schema_json(&request) {
        None if request == Schema::Bytes && raw.is_null() => {
            fail("sends raw bytes, the operation takes no application/octet-stream body".into())
        }
        None if request == Schema::Bytes => {}
        None if !op["requestBody"].is_null() && op["requestBody"]["required"] == json!(true) => {
            fail("sends no body, but the operation requires one".into())
        }
        None => {}
        Some(expected) if *body != expected => {
            fail(format!("sends {request:?}, the document takes {body}"))
        }
        Some(_) => {}
    }

    // The success answer.
    let status = endpoint.status.to_string();
    let response = (endpoint.response)();
    match op["responses"].get(&status) {
        None => fail(format!(
            "expects {status}, which the operation does not answer"
        )),
        Some(r) => {
            let got = &r["content"][endpoint.content_type]["schema"];
            match schema_json(&response) {
                None if response == Schema::Bytes && got.is_null() => fail(format!(
                    "reads raw bytes as {} from {status}, the document sends {}",
                    endpoint.content_type, r["content"]
                )),
                None if response == Schema::Bytes => {}
                None if r["content"].as_object().is_some_and(|c| !c.is_empty()) => fail(format!(
                    "reads no body from {status}, the document sends {}",
                    r["content"]
                )),
                None => {}
                Some(expected) if *got != expected => fail(format!(
                    "reads {response:?} as {} from {status}, the document sends {got}",
                    endpoint.content_type
                )),
                Some(_) => {}
            }
        }
    }

    // Named schemas exist (a $ref to nothing would pass the comparisons above).
    for name in [schema_name(&request), schema_name(&response)]
        .into_iter()
        .flatten()
    {
        if doc["components"]["schemas"].get(name).is_none() {
            fail(format!(
                "schema `{name}` is not among the document's components"
            ));
        }
    }
    errors
}

#[test]
fn every_client_endpoint_matches_the_openapi_document() {
    let doc = document();
    let errors: Vec<String> = ALL.iter().flat_map(|e| check(&doc, e)).collect();
    assert!(
        errors.is_empty(),
        "the client and openapi/openapi.json disagree:\n  {}",
        errors.join("\n  ")
    );
}

#[test]
fn endpoints_are_declared_once() {
    let mut seen = BTreeSet::new();
    for e in ALL {
        assert!(
            seen.insert((e.method.as_str(), e.path)),
            "{} is declared twice",
            e.name
        );
    }
}

/// The check itself finds each kind of drift (so a pass above means something).
#[test]
fn the_check_catches_drift() {
    let doc = document();
    let find = |name: &str| *ALL.iter().find(|e| e.name == name).unwrap();
    let list = find("LIST_TICKETS");
    let create = find("CREATE_TICKET");
    let get = find("GET_TICKET");
    let users = find("LIST_USERS");
    assert!(check(&doc, list).is_empty());

    let mut d = doc.clone();
    let params = d["paths"]["/tickets"]["get"]["parameters"]
        .as_array_mut()
        .unwrap();
    params.retain(|p| p["name"] != "source");
    let errors = check(&d, list);
    assert!(errors.iter().any(|e| e.contains("`source`")), "{errors:?}");

    let mut d = doc.clone();
    d["paths"]["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/TicketUpdate"});
    assert!(!check(&d, create).is_empty());
    let mut d = doc.clone();
    let params = d["paths"]["/tickets"]["post"]["parameters"]
        .as_array_mut()
        .unwrap();
    params.clear();
    assert!(
        check(&d, create)
            .iter()
            .any(|e| e.contains("Idempotency-Key"))
    );

    let mut d = doc.clone();
    d["paths"]["/tickets/{key}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/TicketPage"});
    assert!(!check(&d, get).is_empty());
    let mut d = doc.clone();
    d["paths"]["/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/UserOut"});
    assert!(!check(&d, users).is_empty(), "an array read as one object");

    let mut d = doc.clone();
    let item = d["paths"]["/tickets/{key}"].take();
    d["paths"]["/tickets/{id}"] = item;
    assert!(!check(&d, get).is_empty());
}

/// Not a failure: which operations a caller would have to call by hand.
#[test]
fn report_operations_the_client_does_not_call() {
    let doc = document();
    let mut missing = Vec::new();
    let mut total = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            total += 1;
            if !ALL
                .iter()
                .any(|e| e.path == path && e.method.as_str() == method)
            {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    println!(
        "docket-client calls {} of {total} operations; not covered:\n  {}",
        total - missing.len(),
        missing.join("\n  ")
    );
    assert_eq!(
        total - missing.len(),
        ALL.len(),
        "every declared endpoint is in the document"
    );
}
