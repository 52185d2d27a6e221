//! The request span: every request gets one, with its method, its matched route (for a
//! server function, `/api/<name><hash>`), and once answered its status and duration, so
//! every log line written while serving it says which request it belongs to. Only the
//! route's template is recorded: never the query string, a header, a cookie or a body,
//! where tokens and passwords travel.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let route =
            request.extensions().get::<MatchedPath>().map_or("(no route)", MatchedPath::as_str);
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            status = tracing::field::Empty,
            ms = tracing::field::Empty,
        )
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RecordResponse;

impl<B> OnResponse<B> for RecordResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status().as_u16();
        span.record("status", status);
        span.record("ms", latency.as_millis() as u64);
        if response.status().is_server_error() {
            tracing::error!(status, "request failed");
        } else {
            tracing::debug!(status, "request done");
        }
    }
}

pub fn layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), RecordResponse, (), (), ()>
{
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RecordResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}
