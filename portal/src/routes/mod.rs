//! The handlers, one room per part of the portal; `crate::router` wires them to their paths.
//!
//! - `create`: the application form and creating a signing request (form and JSON API)
//! - `submit`: the app's side — fetching the request and submitting the signature
//! - `status`: the desktop page, the status it polls and its text, for the browser that created it
//! - `qr`: the QR code (SVG, PNG), for that browser as well
//! - `office`: the back office, the full record for the city's staff
//! - `links`: the verified links' well-known files and the app link opened in a browser
//! - `login`: logging in with the card's auth certificate — start, page, challenge, answer, redemption, account
//! - `relink`: re-linking a renewed card — the signed statement's start, and what its verification links
//!
//! `reply` holds how they answer (headers, the blocking pool). Handlers import from the rooms below them
//! (`state`, `pages`, `error`, `guard`, `store`), never from the router.

pub mod create;
pub mod links;
pub mod login;
pub mod office;
pub mod qr;
pub mod relink;
pub mod status;
pub mod submit;

mod reply;
