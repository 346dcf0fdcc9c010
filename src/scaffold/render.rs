//! Rendering a service's templates: every embedded file under `templates/<stack>/`
//! becomes a file of the service. Files ending in `.j2` are minijinja templates (the
//! suffix is dropped); others are copied as they are. Path segments may hold
//! expressions too (`{{ service.ident }}/settings.py.j2`).

use minijinja::{Environment, UndefinedBehavior};

use super::context::TemplateContext;
use super::templates;

/// A file to write, relative to the service's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
#[error("template {template}: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // A typo in a template must fail loudly, not render an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env
}

/// Renders every template under `templates/<dir>/` with `ctx`.
pub fn render_dir(dir: &str, ctx: &TemplateContext) -> Result<Vec<RenderedFile>, RenderError> {
    let env = environment();
    let prefix = format!("{dir}/");
    let mut out = Vec::new();
    for (path, source) in templates() {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        let fail = |e: minijinja::Error| RenderError {
            template: path.to_string(),
            message: format!("{e:#}"),
        };
        let rel_rendered = env.render_str(rel, ctx).map_err(fail)?;
        let (target, contents) = match rel_rendered.strip_suffix(".j2") {
            Some(target) => (
                target.to_owned(),
                env.render_str(source, ctx).map_err(fail)?,
            ),
            None => (rel_rendered, source.to_string()),
        };
        out.push(RenderedFile {
            path: target,
            contents,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
