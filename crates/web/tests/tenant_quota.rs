//! The tenant's storage quota in the web UI: an upload without JavaScript
//! that does not fit what the operator gave the organisation is refused
//! with whose quota is full, in the reader's language, and nothing is stored.

mod common;

use common::{browser, csrf_of, ctx_of, sign_in, start};

const LARS: &str = "lars.laerer@nordvik.test";

/// A multipart body as the upload form sends it.
fn multipart(csrf: &str, folder: &str, name: &str, data: &[u8]) -> (String, Vec<u8>) {
    let b = "----suverenQuotaBoundary";
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf), ("path", folder)] {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn an_upload_past_the_organisations_quota_says_whose_quota_is_full_in_each_language() {
    let s = start().await;
    // The operator gives Nordvik just 10 bytes more than it stores.
    let used = s.app.store.tenant_used("nordvik").await.unwrap();
    let op = ctx_of(&s, "operator", suveren_policy::Action::TenantUpdate);
    s.app.update_tenant(&op, "nordvik", None, Some(Some(used + 10))).await.unwrap();
    let drive = format!("p-{}", s.app.snapshot().dir.principal_by_login(LARS).unwrap().id);

    let want = [
        ("nb", "Nordvik kommune har brukt opp sine"),
        ("sv", "Nordvik kommune har använt upp sina"),
        ("en", "Nordvik kommune has used its"),
    ];
    for (lang, sentence) in want {
        let c = browser(&s, lang);
        assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
        let r = c.get(format!("{}/drive/{drive}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let token = csrf_of(&r.text().await.unwrap());
        let (ct, body) = multipart(&token, "/", "Fullt.txt", &[b'x'; 100]);
        let r = c
            .post(format!("{}/drive/{drive}/upload", s.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        let html = r.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains(sentence), "{lang}: {html}");
        assert!(!html.contains(">Fullt.txt<"), "nothing was stored");
    }
    assert_eq!(s.app.store.tenant_used("nordvik").await.unwrap(), used);
}
