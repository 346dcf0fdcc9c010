//! Generic REST handlers over a [`Resource`]: `GET`/`POST` on the collection,
//! `GET`/`PUT`/`DELETE` on `{id}`. Errors are JSON: `{"error": "..."}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::Resource;
use crate::AppState;

/// An error as JSON: `{"error": "..."}`.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

pub fn not_found(id: i64) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no resource with id {id}"))
}

pub async fn list<R: Resource>(State(state): State<Arc<AppState>>) -> Json<Vec<R>> {
    Json(R::store(&state).list())
}

pub async fn create<R: Resource>(
    State(state): State<Arc<AppState>>,
    Json(input): Json<R::Input>,
) -> (StatusCode, Json<R>) {
    let row = R::store(&state).insert_with(|id| R::from_input(id, input));
    (StatusCode::CREATED, Json(row))
}

pub async fn show<R: Resource>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Json<R>, ApiError> {
    R::store(&state).get(id).map(Json).ok_or(not_found(id))
}

pub async fn replace<R: Resource>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    Json(input): Json<R::Input>,
) -> Result<Json<R>, ApiError> {
    R::store(&state)
        .replace(id, R::from_input(id, input))
        .map(Json)
        .ok_or(not_found(id))
}

pub async fn remove<R: Resource>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if R::store(&state).remove(id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(id))
    }
}
