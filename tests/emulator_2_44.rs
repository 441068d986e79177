//! What DHIS2 2.44 changes for documents and file resources, each test from the words of
//! dhis2-api.md §13.4 (the size check's place), §13.5 (Gist-served lists and `gist`) and §13.6
//! (favorites), checked beside 2.43.
mod common;

use common::raw::{Answer, Who, get, ids, request, send, upload};
use common::start;
use d2files::emulator::{Change, Emulator, SeedDocument, SeedFileResource};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// Three links made in the order b, a, C: creation order differs from name order.
async fn three_links(version: &str) -> (Emulator, [String; 3]) {
    let em = start(version).await;
    let b = em.seed_document(SeedDocument::link("b report", "https://b.example.org"));
    let a = em.seed_document(SeedDocument::link("a report", "https://a.example.org"));
    let c = em.seed_document(SeedDocument::link("C report", "https://c.example.org"));
    (em, [b, a, c])
}

fn is_gist(answer: &Answer) -> bool {
    answer.json.get("gist") == Some(&json!(true))
}

// ---------------------------------------------------------------- §13.5 Gist-served lists

#[tokio::test]
async fn a_plain_list_is_gist_served_in_creation_order_on_244_only() {
    // "`GET /api/documents` … **answered by the Gist backend** when all of these hold"; "No
    // `fields` parameter counts as `id,displayName`, which qualifies"; | Root |
    // `{"pager":…,"gist":true,"documents":[…]}` |; | Default order | `name` iasc, `id` | `e.id
    // asc` (creation order) |
    let (em, [b, a, c]) = three_links("2.44").await;
    let answer = get(&em, "/api/documents").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(is_gist(&answer), "{}", answer.text);
    assert_eq!(
        ids(&answer.json, "documents"),
        [b.as_str(), a.as_str(), c.as_str()]
    );
    let object = answer.json["documents"][0].as_object().expect("object");
    assert_eq!(object.len(), 2, "id,displayName: {object:?}");
    assert_eq!(object["displayName"], "b report");
    // `gist=false` forbids it: the metadata engine, name case-insensitive.
    let answer = get(&em, "/api/documents?gist=false").await;
    assert!(!is_gist(&answer) && answer.json.get("gist").is_none());
    assert_eq!(
        ids(&answer.json, "documents"),
        [a.as_str(), b.as_str(), c.as_str()]
    );

    let (em, [b, a, c]) = three_links("2.43").await;
    for query in ["", "?gist=true", "?gist=false"] {
        let answer = get(&em, &format!("/api/documents{query}")).await;
        assert!(answer.json.get("gist").is_none(), "2.43{query}");
        assert_eq!(
            ids(&answer.json, "documents"),
            [a.as_str(), b.as_str(), c.as_str()],
            "2.43{query}"
        );
    }
}

#[tokio::test]
async fn the_gist_pager_is_not_clamped_keeps_the_request_and_caps_the_page_size() {
    // | `page` past the end | clamped to `pageCount` | **not clamped** (`page = 1 +
    // offset/pageSize`); there is a `prevPage` but no `nextPage` |; | `nextPage`/`prevPage` |
    // request URL with `page` replaced …, so `prevPage` on page 2 has `page=1` and all other
    // params are kept |; | `pageSize` | not capped | **capped at 1000** |; | Pager keys |
    // `page,pageSize,total,pageCount,prevPage?,nextPage?` |
    let (em, _) = three_links("2.44").await;
    let base = em.base_url();
    let past = get(&em, "/api/documents?pageSize=2&page=5&fields=name").await;
    assert!(is_gist(&past));
    assert_eq!(past.json["pager"]["page"], 5);
    assert_eq!(past.json["pager"]["pageCount"], 2);
    assert_eq!(past.json["pager"]["total"], 3);
    assert_eq!(
        past.json["pager"]["prevPage"],
        format!("{base}/api/documents?pageSize=2&fields=name&page=4")
    );
    assert!(past.json["pager"].get("nextPage").is_none());
    assert_eq!(past.json["documents"], json!([]));

    let second = get(&em, "/api/documents?pageSize=1&page=2&fields=name").await;
    assert_eq!(
        second.json["pager"]["prevPage"],
        format!("{base}/api/documents?pageSize=1&fields=name&page=1")
    );
    assert_eq!(
        second.json["pager"]["nextPage"],
        format!("{base}/api/documents?pageSize=1&fields=name&page=3")
    );
    let pager_text = &second.text[second.text.find("\"pager\"").expect("pager")..];
    let at = |key: &str| pager_text.find(&format!("\"{key}\"")).expect(key);
    assert!(
        at("page") < at("pageSize")
            && at("pageSize") < at("total")
            && at("total") < at("pageCount")
            && at("pageCount") < at("prevPage")
            && at("prevPage") < at("nextPage"),
        "{pager_text}"
    );

    let capped = get(&em, "/api/documents?pageSize=5000").await;
    assert_eq!(capped.json["pager"]["pageSize"], 1000);
    let legacy = get(&em, "/api/documents?pageSize=5000&gist=false").await;
    assert_eq!(legacy.json["pager"]["pageSize"], 5000);
    // The metadata engine's pager for the same past-the-end page: clamped, no prevPage page=.
    let legacy = get(&em, "/api/documents?pageSize=2&page=5&gist=false").await;
    assert_eq!(legacy.json["pager"]["page"], 2);
}

#[tokio::test]
async fn gist_links_come_from_the_servlet_not_the_forwarded_headers() {
    // "Built from the servlet's scheme, host and port (`ContextUtils.getRequestURL`), not from
    // the forwarded headers used for `href`"
    let (em, _) = three_links("2.44").await;
    let forwarded = |query: &str| {
        send(
            request(
                &em,
                Method::GET,
                &format!("/api/documents{query}"),
                Who::Admin,
            )
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Port", "8443"),
        )
    };
    let gist = forwarded("?pageSize=1&fields=name").await;
    let next = gist.json["pager"]["nextPage"].as_str().expect("nextPage");
    assert!(next.starts_with(&em.base_url()), "{next}");
    let legacy = forwarded("?pageSize=1&fields=name&gist=false").await;
    let next = legacy.json["pager"]["nextPage"].as_str().expect("nextPage");
    assert!(next.starts_with("https://"), "{next}");
}

#[tokio::test]
async fn what_disqualifies_a_request_from_gist_and_what_forces_it() {
    // Only `fields, filter, order, page, pageSize, paging, locale, rootJunction, gist`; paging
    // on; fields with no presets, `href` or `access`, at most 2 deep through an identifiable
    // object; filters without `token` or `display`, one level, persisted; orders without
    // `iasc`/`idesc`. "`gist=true` **forces** Gist and `gist=false` **forbids** it."
    let (em, _) = three_links("2.44").await;
    for (query, gist) in [
        ("fields=id,name,created,url,external", true),
        ("fields=id,createdBy[id,name]", true),
        ("fields=id,sharing", true),
        (
            "fields=id,displayName&filter=name:ilike:report&order=name:desc",
            true,
        ),
        (
            "filter=createdBy:eq:M5zQapPyTZI&rootJunction=OR&locale=fr",
            true,
        ),
        ("fields=*", false),
        ("fields=:identifiable", false),
        ("fields=id,href", false),
        ("fields=id,access", false),
        ("fields=id,translations", false),
        ("fields=id,createdBy[id,displayName]", false),
        ("fields=!href", false),
        ("query=report", false),
        ("paging=false", false),
        ("filter=name:token:report", false),
        ("filter=displayName:ilike:report", false),
        ("filter=createdBy.username:eq:admin", false),
        ("filter=identifiable:ilike:report", false),
        ("order=name:iasc", false),
        ("order=displayName:asc", true),
        ("order=createdBy:asc", false),
        ("fields=*&gist=true", true),
        ("query=report&gist=true", true),
        ("gist=false", false),
    ] {
        let answer = get(&em, &format!("/api/documents?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
        assert_eq!(is_gist(&answer), gist, "{query}");
    }
    let answer = get(&em, "/api/documents?gist=maybe").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // File resources are served the same way.
    let fr = em
        .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"a".to_vec()))
        .expect("seed");
    let answer = get(&em, "/api/fileResources?fields=id,contentType").await;
    assert!(is_gist(&answer));
    assert_eq!(ids(&answer.json, "fileResources"), [fr.as_str()]);
    let answer = get(&em, "/api/fileResources?fields=id,storageStatus").await;
    assert!(!is_gist(&answer), "storageStatus is not persisted");
}

#[tokio::test]
async fn gist_writes_the_fields_in_the_order_asked() {
    // | Field order in objects | undefined | the order requested in `fields` |
    let (em, _) = three_links("2.44").await;
    let answer = get(&em, "/api/documents?fields=url,name,id&pageSize=1").await;
    let item = &answer.text[answer.text.find("\"documents\"").expect("documents")..];
    let at = |key: &str| item.find(&format!("\"{key}\"")).expect(key);
    assert!(at("url") < at("name") && at("name") < at("id"), "{item}");
    let object = answer.json["documents"][0].as_object().expect("object");
    assert_eq!(object.len(), 3);
}

#[tokio::test]
async fn gist_like_takes_percent_underscore_star_and_question_mark_as_wildcards() {
    // | `like`/`ilike` values | §12.2 "DB" | §12.2 "Gist" (`%`, `_`, `*`, `?` are wildcards) |;
    // "if the value contains `*` or `?`, then `*`→`%` and `?`→`_`, and the pattern is used as it
    // stands, **without surrounding `%`**, so it must match the whole value".
    let em = start("2.44").await;
    let report = em.seed_document(SeedDocument::link(
        "2025 Malaria annual report",
        "https://a.org",
    ));
    let other = em.seed_document(SeedDocument::link("50% coverage", "https://b.org"));
    let found = |answer: &Answer| ids(&answer.json, "documents");
    let (report, other) = (report.as_str(), other.as_str());
    for (filter, gist, legacy) in [
        // `*` matches the whole value under Gist; the database reads it as a character.
        ("name:ilike:2025*report", vec![report], vec![]),
        ("name:ilike:malaria*", vec![], vec![]),
        ("name:ilike:2025?malaria*", vec![report], vec![]),
        // `%` and `_` are wildcards in both (the database strips `%`).
        ("name:ilike:malaria_annual", vec![report], vec![report]),
        ("name:like:50%", vec![other], vec![other]),
        ("name:$ilike:2025_", vec![report], vec![report]),
        // The negations translate `*` and `?` as well; the rows come in each engine's order.
        ("name:!ilike:2025*report", vec![other], vec![report, other]),
        ("name:!like:50%", vec![report], vec![report]),
        (
            "name:!ilike:50??coverage",
            vec![report],
            vec![report, other],
        ),
        // "`$like`/`startsWith`… become `v%` and `like$`/`endsWith`… become `%v`, with no
        // `*`/`?` translation".
        ("name:$ilike:2025*", vec![], vec![]),
        ("name:ilike$:*REPORT", vec![], vec![]),
        ("name:ilike$:REPORT", vec![report], vec![report]),
        (
            "name:!$ilike:2025*",
            vec![report, other],
            vec![report, other],
        ),
    ] {
        let encoded = common::raw::encoded(filter);
        let answer = get(&em, &format!("/api/documents?filter={encoded}")).await;
        assert!(is_gist(&answer), "{filter}");
        assert_eq!(found(&answer), gist, "gist {filter}");
        let answer = get(&em, &format!("/api/documents?filter={encoded}&gist=false")).await;
        assert_eq!(found(&answer), legacy, "metadata engine {filter}");
    }
}

// ---------------------------------------------------------------- §13.6 favorites

#[tokio::test]
async fn favorites_leave_documents_and_file_resources_on_244() {
    // "**`favorites` and `favorite` disappear** from Document and FileResource JSON";
    // "`POST`/`DELETE /api/documents/{uid}/favorite` lose their mapping. Without a JSON body
    // they now fall onto `/{uid}/{property}` and answer **415**"
    for version in ["2.43", "2.44"] {
        let em = start(version).await;
        let (fr, document) = common::seed_file_document(
            &em,
            "Report",
            SeedFileResource::new("r.pdf", "application/pdf", b"%PDF".to_vec()),
        );
        let removed = common::version(version).has(Change::FavoritesRemoved);
        let doc = get(&em, &format!("/api/documents/{document}")).await.json;
        let file = get(&em, &format!("/api/fileResources/{fr}")).await.json;
        let listed = get(&em, "/api/documents?fields=*").await.json;
        for (what, object) in [
            ("document", &doc),
            ("file resource", &file),
            ("listed", &listed["documents"][0]),
        ] {
            assert_eq!(
                object.get("favorites").is_none(),
                removed,
                "{version} {what}"
            );
            assert_eq!(
                object.get("favorite").is_none(),
                removed,
                "{version} {what}"
            );
        }
        let mark = send(request(
            &em,
            Method::POST,
            &format!("/api/documents/{document}/favorite"),
            Who::Admin,
        ))
        .await;
        let unmark = send(request(
            &em,
            Method::DELETE,
            &format!("/api/documents/{document}/favorite"),
            Who::Admin,
        ))
        .await;
        let filter = get(&em, "/api/documents?filter=favorite:eq:true").await;
        if removed {
            assert_eq!(mark.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(unmark.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(filter.status, StatusCode::BAD_REQUEST);
            assert_eq!(filter.json["message"], "Unknown path property: favorite");
        } else {
            assert_eq!(mark.status, StatusCode::OK, "{}", mark.text);
            assert_eq!(unmark.status, StatusCode::OK);
            assert_eq!(filter.status, StatusCode::OK);
        }
    }
}

#[tokio::test]
async fn a_favorite_is_the_callers_own_before_244() {
    let em = start("2.43").await;
    let document = em.seed_document(SeedDocument::link("Home", "https://dhis2.org"));
    let path = format!("/api/documents/{document}/favorite");
    let marked = send(request(&em, Method::POST, &path, Who::Admin)).await;
    assert_eq!(
        marked.json["message"],
        format!("Object '{document}' set as favorite for user 'admin'")
    );
    let doc = get(
        &em,
        &format!("/api/documents/{document}?fields=favorite,favorites"),
    )
    .await;
    assert_eq!(
        doc.json,
        json!({"favorite": true, "favorites": ["M5zQapPyTZI"]})
    );
    let as_guest = send(request(
        &em,
        Method::GET,
        &format!("/api/documents/{document}?fields=favorite"),
        Who::Guest,
    ))
    .await;
    assert_eq!(as_guest.json["favorite"], false);
    send(request(&em, Method::DELETE, &path, Who::Admin)).await;
    let doc = get(&em, &format!("/api/documents/{document}?fields=favorite")).await;
    assert_eq!(doc.json["favorite"], false);
    let missing = send(request(
        &em,
        Method::POST,
        "/api/documents/NoSuchDoc01/favorite",
        Who::Admin,
    ))
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- §13.4 size check

#[tokio::test]
async fn the_size_check_follows_the_domain_checks_on_244() {
    // "Domain checks now run **before** it … A 12 MB avatar therefore reports `File size can't
    // be bigger than 2000000, current file size 12000000` instead of `…10000000…`. The DOCUMENT
    // domain is unchanged: 409 `File size can't be bigger than 10000000, current file size N`."
    let mut avatar = common::png_bytes();
    avatar.resize(12_000_000, 0);
    for (version, limit) in [("2.43", 10_000_000), ("2.44", 2_000_000)] {
        let em = start(version).await;
        let answer = upload(
            &em,
            "?domain=USER_AVATAR",
            "me.png",
            "image/png",
            avatar.clone(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{version}");
        assert_eq!(
            answer.json["message"],
            format!("File size can't be bigger than {limit}, current file size 12000000"),
            "{version}"
        );
        let answer = upload(
            &em,
            "?domain=DOCUMENT",
            "big.bin",
            "application/octet-stream",
            vec![7u8; 10_000_001],
        )
        .await;
        assert_eq!(
            answer.json["message"],
            "File size can't be bigger than 10000000, current file size 10000001",
            "{version}"
        );
        let kept = get(&em, "/api/fileResources?paging=false&gist=false").await;
        assert_eq!(
            kept.json["fileResources"],
            Value::Array(vec![]),
            "{version}"
        );
    }
}

#[tokio::test]
async fn gist_lists_stream_json() {
    // | Body | `StreamingJsonRoot` | streamed `application/json` |
    let (em, _) = three_links("2.44").await;
    let answer = get(&em, "/api/documents").await;
    let content_type = answer.headers[header::CONTENT_TYPE].to_str().expect("type");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
}
