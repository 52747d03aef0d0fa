//! The QR code of a signing request (`/a/{view}/qr.svg`, `/qr.png`), for the browser that created it only.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::reply::{blocking, no_store};
use crate::error::{Failure, Refused};
use crate::state::{AppState, Shared};

/// The URL the QR code carries, for the owner of the desktop page.
fn owned_request_url(state: &AppState, view: &str, headers: &HeaderMap) -> Result<String, Failure> {
    let (row, _) = state.owned(view, headers)?;
    Ok(state.request_url(&row.id))
}

pub async fn qr_svg(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    match blocking(move || -> Result<String, Failure> {
        let url = owned_request_url(&state, &view, &headers)?;
        Ok(kazasu_qr::to_svg(&url).map_err(Refused::internal)?)
    })
    .await
    {
        Ok(svg) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))], no_store(), svg).into_response()
        }
        Err(r) => r.into_response(),
    }
}

pub async fn qr_png(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    match blocking(move || -> Result<Vec<u8>, Failure> {
        let url = owned_request_url(&state, &view, &headers)?;
        let (pixels, side) = kazasu_qr::to_luma(&url, 6).map_err(Refused::internal)?;
        Ok(encode_png(&pixels, side).map_err(Refused::internal)?)
    })
    .await
    {
        Ok(png) => ([(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], no_store(), png).into_response(),
        Err(r) => r.into_response(),
    }
}

fn encode_png(pixels: &[u8], side: usize) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(pixels)?;
    w.finish()?;
    Ok(out)
}
