//! The DHIS2 client: documents and file resources over the Web API. No terminal code here.
mod auth;

pub use auth::{Auth, Secret};
