//! The transfer core against servers that lie, cut short or race: concurrent runs into one
//! directory, uploads whose bytes never arrived, downloads whose sizes or types are wrong.
mod hardening_support;

use d2files::api::{Auth, Client};
use hardening_support::hostile::{self, Conn, Request};

#[tokio::test]
async fn the_hostile_server_helper_answers_scripted_requests() {
    let server = hostile::serve(|request: Request, mut conn: Conn| async move {
        let body = hostile::file_resource_json("TacExtJuMmW", "a.txt", 3, None);
        assert_eq!(request.path(), "/api/fileResources/TacExtJuMmW");
        conn.json(200, &body).await;
    })
    .await;
    let client = Client::new(&server.base_url(), Auth::basic("a", "b")).unwrap();
    let resource = client.get_file_resource("TacExtJuMmW").await.unwrap();
    assert_eq!(resource.content_length, Some(3));
    assert_eq!(server.count("GET", "/TacExtJuMmW"), 1);
}
