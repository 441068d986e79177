//! The last fidelity gaps, each test from dhis2-api.md's words and across the whole version
//! matrix (`common::VERSIONS`): what `like` makes of `%` and `_` where each filter runs (§12.1,
//! §12.2), the priority of several orders (§12.4), the paths DHIS2 maps besides the plain ones
//! (§13.8), `access` on file resources, and upload content types kept as sent (§4.1).
mod common;

use common::VERSIONS;
use common::raw::{Answer, Who, encoded, get, ids, request, send};
use common::start;
use d2files::emulator::{Change, Emulator, SeedDocument, SeedFileResource};
use reqwest::{Method, StatusCode, header};

async fn documents(em: &Emulator, query: &str) -> Vec<String> {
    // `gist=false`: on 2.44 the metadata engine answers, as on the releases before it.
    let answer = get(em, &format!("/api/documents?{query}&gist=false")).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
    ids(&answer.json, "documents")
}

async fn filtered(em: &Emulator, filters: &[&str], extra: &str) -> Vec<String> {
    let query: Vec<String> = filters
        .iter()
        .map(|f| format!("filter={}", encoded(f)))
        .collect();
    documents(em, &format!("{}{extra}", query.join("&"))).await
}

// ---------------------------------------------------------------- §12.2 like in the database

#[tokio::test]
async fn like_in_the_database_strips_percent_and_takes_underscore_for_any_character() {
    // | **DB** (metadata API) | `%` **stripped** (`replace("%","")`) before wrapping as `%v%`,
    // `v%` or `%v` | **passed through, so it matches any single character** | … PostgreSQL's
    // default LIKE escape `\` applies, so `\_` matches a literal `_` |
    for version in VERSIONS {
        let em = start(version).await;
        let report = em.seed_document(SeedDocument::link(
            "2025 Malaria annual report",
            "https://a.org",
        ));
        let fifty = em.seed_document(SeedDocument::link("50 facilities", "https://b.org"));
        let snake = em.seed_document(SeedDocument::link("site_list", "https://c.org"));
        let spaced = em.seed_document(SeedDocument::link("site list", "https://d.org"));
        for (filter, expected) in [
            // The issue's two: a real server finds the report with both.
            ("name:ilike:malaria_annual", vec![&report]),
            ("name:ilike:2025%", vec![&report]),
            ("name:like:50%", vec![&fifty]),
            ("name:ilike:%site%", vec![&snake, &spaced]),
            ("name:ilike:site_list", vec![&snake, &spaced]),
            ("name:ilike:site\\_list", vec![&snake]),
            ("name:$ilike:2025_malaria", vec![&report]),
            ("name:ilike$:REPORT%", vec![&report]),
            ("name:like$:_list", vec![&snake, &spaced]),
            ("name:$like:50_", vec![&fifty]),
            ("name:!ilike:malaria_annual", vec![&fifty, &snake, &spaced]),
            ("name:!like$:_list", vec![&report, &fifty]),
            ("name:!$ilike:site_", vec![&report, &fifty]),
        ] {
            let mut found = filtered(&em, &[filter], "").await;
            found.sort();
            let mut expected: Vec<String> = expected.into_iter().cloned().collect();
            expected.sort();
            assert_eq!(found, expected, "{version} {filter}");
        }
    }
}

#[tokio::test]
async fn like_in_memory_takes_percent_and_underscore_literally() {
    // | **In memory** | literal | literal |; in memory: "aliased (nested) paths, non-persisted
    // properties (`displayName`, …); rootJunction=OR with ≥2 filters puts **all** filters in
    // memory" (2.38.2–2.41); "2.42: OR stays in the DB when *all* filters are DB-eligible".
    for version in VERSIONS {
        let em = start(version).await;
        let report = em.seed_document(SeedDocument::link(
            "2025 Malaria annual report",
            "https://a.org",
        ));
        let budget = em.seed_document(SeedDocument::link("Budget", "https://b.org"));
        // `displayName` is not persisted: memory, so `_` is a character like any other.
        let shown = filtered(&em, &["displayName:ilike:malaria_annual"], "").await;
        assert!(shown.is_empty(), "{version}: {shown:?}");
        let shown = filtered(&em, &["displayName:ilike:malaria annual"], "").await;
        assert_eq!(shown, std::slice::from_ref(&report), "{version}");
        // The negated and anchored forms take `%` and `_` literally too.
        let shown = filtered(&em, &["displayName:!ilike:malaria_annual"], "").await;
        assert_eq!(shown, [report.clone(), budget.clone()], "{version}");
        for filter in ["displayName:$ilike:2025_", "displayName:ilike$:report%"] {
            let shown = filtered(&em, &[filter], "").await;
            assert!(shown.is_empty(), "{version} {filter}: {shown:?}");
        }
        let shown = filtered(&em, &["displayName:ilike$:REPORT"], "").await;
        assert_eq!(shown, std::slice::from_ref(&report), "{version}");
        // OR over two filters the database could take.
        let either = filtered(
            &em,
            &["name:ilike:malaria_annual", "name:eq:nothing"],
            "&rootJunction=OR",
        )
        .await;
        let stays_in_db = common::version(version).has(Change::OrStaysInDb);
        let expected = if stays_in_db {
            vec![report.clone()]
        } else {
            vec![]
        };
        assert_eq!(either, expected, "{version}: OR in the DB from 2.42 only");
    }
}

#[tokio::test]
async fn not_like_never_matches_a_missing_value_in_the_database_or_in_memory() {
    // "`NOT LIKE` on a NULL column never matches; in memory, null values fail as well".
    for version in VERSIONS {
        let em = start(version).await;
        let coded = em.seed_document(SeedDocument::link("Coded", "https://a.org").code("ABC"));
        em.seed_document(SeedDocument::link("Uncoded", "https://b.org"));
        // One filter on a persisted property: the database.
        let found = filtered(&em, &["code:!like:X"], "").await;
        assert_eq!(found, std::slice::from_ref(&coded), "{version}: DB");
        let found = filtered(&em, &["code:!ilike$:x"], "").await;
        assert_eq!(found, std::slice::from_ref(&coded), "{version}: DB");
        // OR with a filter on a non-persisted property sends both to memory on every release.
        let found = filtered(
            &em,
            &["code:!like:X", "displayName:eq:nothing"],
            "&rootJunction=OR",
        )
        .await;
        assert_eq!(found, std::slice::from_ref(&coded), "{version}: memory");
    }
}

#[tokio::test]
async fn on_2380_one_filter_the_database_cannot_take_sends_the_whole_query_to_memory() {
    // | 2.38.0–2.38.1 | … | **the whole query** if any filter path is not a plain persisted
    // property name (so any dotted path or non-persisted property) |; 2.38.2–2.41: each filter on
    // a persisted property with no alias goes to the DB.
    for (version, in_db) in [
        ("2.38.0", false),
        ("2.38.1", false),
        ("2.38.2", true),
        ("2.41", true),
    ] {
        let em = start(version).await;
        let report = em.seed_document(SeedDocument::link(
            "2025 Malaria annual report",
            "https://a.org",
        ));
        let found = filtered(
            &em,
            &["name:ilike:malaria_annual", "createdBy.username:eq:admin"],
            "",
        )
        .await;
        let expected = if in_db { vec![report] } else { vec![] };
        assert_eq!(found, expected, "{version}");
    }
}

#[tokio::test]
async fn ieq_and_token_in_the_database_and_in_memory() {
    // | `name:ieq:100%` | `= '100'` (case-insensitive) | `= '100%'` |; token "**DB:** …
    // each token may appear **anywhere as a substring** … **In memory:** each search token must
    // be a **prefix** of some token of the value".
    for version in VERSIONS
        .into_iter()
        .filter(|v| common::version(v).has(Change::Ieq))
    {
        let em = start(version).await;
        let hundred = em.seed_document(SeedDocument::link("100", "https://a.org"));
        let report = em.seed_document(SeedDocument::link(
            "2025 Malaria annual report",
            "https://b.org",
        ));
        assert_eq!(
            filtered(&em, &["name:ieq:100%"], "").await,
            std::slice::from_ref(&hundred),
            "{version}"
        );
        assert!(
            filtered(&em, &["displayName:ieq:100%"], "")
                .await
                .is_empty(),
            "{version}"
        );
        assert_eq!(
            filtered(&em, &["name:token:alaria nnual"], "").await,
            std::slice::from_ref(&report)
        );
        assert!(
            filtered(&em, &["identifiable:token:alaria"], "")
                .await
                .is_empty()
        );
        assert_eq!(
            filtered(&em, &["identifiable:token:mal ann"], "").await,
            [report]
        );
    }
}

// ---------------------------------------------------------------- §12.4 several orders

#[tokio::test]
async fn several_orders_keep_their_priority_only_from_242() {
    // | ≤2.41 | `OrderParams.order` is a **`HashSet<String>`**, so the priority between keys is
    // **hash order, not request order** | 2.42 | `List<String> orders`: **request order kept** |
    for version in VERSIONS {
        let em = start(version).await;
        let a2 = em.seed_document(SeedDocument::link("A", "https://a.org").code("2"));
        let b1 = em.seed_document(SeedDocument::link("B", "https://b.org").code("1"));
        let by_name = documents(&em, "order=name:asc,code:asc").await;
        let by_code = documents(&em, "order=code:asc,name:asc").await;
        if !common::version(version).has(Change::OrderKeepsRequestOrder) {
            assert_eq!(
                by_name, by_code,
                "{version}: the set decides, not the request"
            );
        } else {
            assert_eq!(by_name, [a2.clone(), b1.clone()], "{version}");
            assert_eq!(by_code, [b1, a2], "{version}");
        }
    }
}

// ---------------------------------------------------------------- §13.8 paths

#[tokio::test]
async fn trailing_slashes_json_suffixes_and_versioned_prefixes_are_served() {
    for version in VERSIONS {
        let em = common::start_with(version, |o| o.context_path = "/dhis".into()).await;
        let id = em.seed_document(SeedDocument::link("Home", "https://dhis2.org"));
        let fr = em
            .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"a".to_vec()))
            .expect("seed");
        for path in [
            "/api/documents/".to_string(),
            "/api/documents.json".to_string(),
            format!("/api/documents/{id}/"),
            format!("/api/documents/{id}.json"),
            format!("/api/38/documents/{id}"),
            format!("/api/fileResources/{fr}.json"),
            format!("/api/fileResources/{fr}/"),
            format!("/api/fileResources/{fr}/data/"),
            "/api/system/info.json".to_string(),
            "/api/me/".to_string(),
        ] {
            let answer = get(&em, &path).await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "{version} {path}: {}",
                answer.text
            );
        }
        let answer = get(&em, &format!("/api/documents/{id}.json")).await;
        assert_eq!(answer.json["name"], "Home");
        let answer = get(&em, &format!("/api/fileResources/{fr}/data/")).await;
        assert_eq!(answer.text, "a");
    }
}

// ---------------------------------------------------------------- access, content types

#[tokio::test]
async fn file_resources_carry_access_when_fields_ask_for_it() {
    // `access` "computed when `fields` contains `access`, `*` or a `:` preset"; the plain read
    // is Jackson's direct serialisation, without it.
    // Before 2.41 `fields` on one file resource is not read at all (§4.4), so the answer is
    // the plain object whatever is asked.
    for version in VERSIONS {
        let em = start(version).await;
        let fr = em
            .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"a".to_vec()))
            .expect("seed");
        let one = get(&em, &format!("/api/fileResources/{fr}?fields=id,access")).await;
        if !common::version(version).has(Change::FileResourceList) {
            assert_eq!(one.status, StatusCode::OK, "{version}");
            assert_eq!(
                one.json["contentType"], "text/plain",
                "{version}: {}",
                one.text
            );
            assert!(one.json.get("access").is_none(), "{version}: {}", one.text);
            continue;
        }
        assert_eq!(one.json["access"]["read"], true, "{version}: {}", one.text);
        assert!(
            one.json.get("contentType").is_none(),
            "{version}: {}",
            one.text
        );
        for fields in ["*", ":owner", ":identifiable"] {
            let asked = get(&em, &format!("/api/fileResources/{fr}?fields={fields}")).await;
            assert!(
                asked.json["access"].is_object(),
                "{version} {fields}: {}",
                asked.text
            );
        }
        let listed = get(&em, "/api/fileResources?fields=id,access").await;
        assert!(
            listed.json["fileResources"][0]["access"].is_object(),
            "{version}"
        );
        let plain = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert!(plain.json.get("access").is_none(), "{version}");
        let guest = send(request(
            &em,
            Method::GET,
            &format!("/api/fileResources/{fr}?fields=access"),
            Who::Guest,
        ))
        .await;
        assert_eq!(guest.json["access"]["read"], true);
        assert_eq!(guest.json["access"]["write"], false);
    }
}

/// A multipart upload written by hand, so the part's `Content-Type` goes as typed.
async fn upload_as_typed(em: &Emulator, content_type: &str) -> Answer {
    let boundary = "d2filesBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(b"%PDF-1.4 hello");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    send(
        request(
            em,
            Method::POST,
            "/api/fileResources?domain=DOCUMENT",
            Who::Admin,
        )
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body),
    )
    .await
}

#[tokio::test]
async fn upload_content_types_are_kept_as_the_client_declared_them() {
    // | `contentType` | as declared by the multipart part; invalid or missing becomes
    // `application/octet-stream` |; `/data` sends `Content-Type: <fileResource.contentType>`,
    // verbatim as uploaded, parameters included.
    for version in VERSIONS {
        let em = start(version).await;
        let declared = "Application/PDF; Charset=UTF-8";
        let answer = upload_as_typed(&em, declared).await;
        assert_eq!(
            answer.status,
            StatusCode::ACCEPTED,
            "{version}: {}",
            answer.text
        );
        assert_eq!(
            answer.json["response"]["fileResource"]["contentType"],
            declared
        );
        let fr = answer.json["response"]["fileResource"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let read = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert_eq!(read.json["contentType"], declared, "{version}");
        let data = get(&em, &format!("/api/fileResources/{fr}/data")).await;
        assert_eq!(data.headers[header::CONTENT_TYPE], declared, "{version}");
        let answer = upload_as_typed(&em, "not a type").await;
        assert_eq!(
            answer.json["response"]["fileResource"]["contentType"],
            "application/octet-stream"
        );
    }
}

// ---------------------------------------------------------------- §6 rows

#[tokio::test]
async fn documents_are_written_as_xml_up_to_241_and_only_as_json_from_242() {
    // | POST/PUT metadata as XML | yes | yes | yes | yes | **no** (415) |
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="http://dhis2.org/schema/dxf/2.0" name="Guide &amp; SOP">
  <url>https://dhis2.org/guide</url>
  <external>true</external>
</document>"#;
    for version in VERSIONS {
        let em = start(version).await;
        let answer = send(
            request(&em, Method::POST, "/api/documents", Who::Admin)
                .header(header::CONTENT_TYPE, "application/xml")
                .body(xml),
        )
        .await;
        let accepts = !common::version(version).has(Change::XmlMetadataRemoved);
        if accepts {
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{version}: {}",
                answer.text
            );
            let uid = answer.json["response"]["uid"].as_str().expect("uid");
            let document = get(&em, &format!("/api/documents/{uid}")).await.json;
            assert_eq!(document["name"], "Guide & SOP", "{version}");
            assert_eq!(document["url"], "https://dhis2.org/guide");
            assert_eq!(document["external"], true);
        } else {
            assert_eq!(
                answer.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{version}"
            );
            assert_eq!(
                answer.json["message"],
                "Content-Type 'application/xml' is not supported"
            );
        }
    }
}

#[tokio::test]
async fn failed_leaves_the_storage_status_enum_in_241() {
    // | `FAILED` in StorageStatus enum | yes (unused) | yes | yes | no | no |: a filter on it no
    // longer parses. Only a list can filter, and it arrives in 2.41 too, so the releases with
    // `FAILED` cannot be asked.
    for version in VERSIONS
        .into_iter()
        .filter(|v| common::version(v).has(Change::FileResourceList))
    {
        let em = start(version).await;
        assert!(common::version(version).has(Change::FailedStatusRemoved));
        let answer = get(&em, "/api/fileResources?filter=storageStatus:eq:FAILED").await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version}");
        assert!(
            answer.json["message"].as_str().is_some_and(
                |m| m.starts_with("Unable to parse `FAILED` as `FileResourceStorageStatus`")
            ),
            "{version}: {}",
            answer.text
        );
        let answer = get(&em, "/api/fileResources?filter=storageStatus:eq:PENDING").await;
        assert_eq!(answer.status, StatusCode::OK, "{version}");
    }
}
