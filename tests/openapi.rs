//! The OpenAPI document matches the real routes, both ways.

use std::collections::BTreeSet;

use crate::common::TestHub;

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_real_routes() {
    let hub = TestHub::spawn().await;
    let doc = hub.get_ok("/admin/api/openapi.json", 200).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let real: BTreeSet<(String, String)> = millrace::http::admin::routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    assert_eq!(documented, real, "OpenAPI paths and the router differ");

    // Each documented operation is really served: never the fallback's "no route" or 405.
    for (method, path) in &real {
        let concrete = path.replace(
            "{id}",
            if path.starts_with("/widget-configs") {
                "00000000-0000-4000-8000-000000000000"
            } else {
                "999"
            },
        );
        let res = hub
            .client
            .request(
                method.parse().unwrap(),
                hub.admin_url(&format!("/admin/api{concrete}")),
            )
            .bearer_auth(&hub.token)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(
            !body.contains("no route for"),
            "{method} {path} is not routed: {body}"
        );
    }
    // Every operation documents its success answer and the auth failures.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path}"
            );
            assert!(responses.contains_key("401"), "{method} {path}");
        }
    }
    hub.stop().await;
}
