//! URL routes: `urlpatterns` (path, re_path, include) and DRF routers → views.

use super::Django;
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;

pub fn add_routes(_django: &Django, _graph: &mut Graph, _diagnostics: &mut Vec<Diagnostic>) {}
