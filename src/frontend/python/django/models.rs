//! Django models: which classes are models, their app label and table, and their
//! relations — following what Django's `ModelBase` metaclass does at import time.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::apps::{Apps, Settings};
use super::rules;
use crate::diagnostics::Diagnostic;
use crate::frontend::python::facts::{Call, Class, Expr};
use crate::frontend::python::resolve::{Program, Symbol};
use crate::graph::EdgeKind;

/// A model as Django registers it.
#[derive(Debug, Clone)]
pub struct Model {
    /// `app_label.ObjectName`
    pub label: String,
    pub app_label: String,
    pub name: String,
    /// Defining class (`None` for auto-created join models and library models).
    pub class: Option<(String, String)>,
    pub file: String,
    pub line: u32,
    pub table: Option<String>,
    pub is_abstract: bool,
    pub proxy: bool,
    pub managed: bool,
    pub auto_created: bool,
    /// Fields after inheritance, in declaration order.
    pub fields: Vec<Field>,
    /// Labels of direct model bases (abstract or concrete).
    pub bases: Vec<String>,
    /// Manager attribute names (`objects`, custom ones).
    pub managers: Vec<String>,
    /// Manager/queryset classes attached to the model, for their methods' queries.
    pub manager_classes: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Relation kind; `None` for a plain column.
    pub relation: Option<EdgeKind>,
    /// Field class name (`CharField`, `ForeignKey`…).
    pub class_name: String,
    /// Target model label for relations.
    pub target: Option<String>,
    /// `through=` model label, or the auto-created one, for many-to-many.
    pub through: Option<String>,
    pub related_name: Option<String>,
    pub parent_link: bool,
    /// `db_table=` on a many-to-many field: the join table's name.
    pub db_table: Option<String>,
    pub file: String,
    pub line: u32,
}

/// Every model of the tree, plus the library models its relations point at.
pub struct Models {
    /// By lower-cased label (Django looks labels up case-insensitively).
    by_label: BTreeMap<String, Model>,
    by_class: HashMap<(String, String), String>,
    /// Models whose bases and fields are computed (or being computed: a cycle guard).
    completed: HashSet<String>,
    /// Lookups the data-access walks make for every expression, indexed once the
    /// models are complete (a scan of all models per lookup was quadratic).
    index: Index,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Default)]
struct Index {
    /// Manager class (module, qualname) → labels (lower-cased) of the models using
    /// it, in label order.
    by_manager: HashMap<(String, String), Vec<String>>,
    /// Target label (ASCII lower-cased) → reverse accessors of relations pointing
    /// to it: (accessor, model holding the relation, m2m through), in label order.
    reverse: HashMap<String, Vec<(String, String, Option<String>)>>,
}

/// Meta options as Django reads them (`django.db.models.options.Options`).
#[derive(Debug, Clone, Default)]
struct Meta {
    is_abstract: bool,
    proxy: Option<bool>,
    managed: Option<bool>,
    db_table: Option<String>,
    app_label: Option<String>,
}

/// How a class relates to Django's model machinery.
#[derive(Debug, Clone, PartialEq)]
enum ModelBase {
    /// Not a model.
    No,
    /// A model (in-tree ancestry reaches `models.Model` or a library model).
    Yes,
}

struct Builder<'p, 'a> {
    program: &'p Program<'a>,
    settings: &'p Settings,
    is_model: HashMap<(String, String), bool>,
}

impl<'p, 'a> Builder<'p, 'a> {
    fn class_is_model(&mut self, module: &str, qualname: &str) -> bool {
        let key = (module.to_owned(), qualname.to_owned());
        if let Some(&v) = self.is_model.get(&key) {
            return v;
        }
        self.is_model.insert(key.clone(), false); // cycle guard
        let v = self.model_base(module, qualname) == ModelBase::Yes;
        self.is_model.insert(key, v);
        v
    }

    fn model_base(&mut self, module: &str, qualname: &str) -> ModelBase {
        let Some(class) = self.program.class(module, qualname) else {
            return ModelBase::No;
        };
        let mut unknown_external = false;
        for base in self.program.bases(module, class) {
            match &base {
                Symbol::External(path) => {
                    if rules::MODEL_BASES.contains(&path.as_str())
                        || rules::library_abstract_model(path).is_some()
                        || rules::known_model_by_path(path).is_some()
                    {
                        return ModelBase::Yes;
                    }
                    unknown_external = true;
                }
                Symbol::Class(m, q) if self.class_is_model(m, q) => return ModelBase::Yes,
                Symbol::Value(..) if get_model_value(self.program, &base).is_some() => {
                    return ModelBase::Yes;
                }
                _ => {}
            }
        }
        // A base from a library seam does not know: a model if it declares Django
        // model fields (a form or serializer declares fields from other modules).
        if unknown_external && self.declares_model_fields(module, class) {
            return ModelBase::Yes;
        }
        ModelBase::No
    }

    fn declares_model_fields(&self, module: &str, class: &Class) -> bool {
        class.assigns.iter().any(|a| {
            a.value.as_call().is_some_and(|c| {
                matches!(self.program.resolve_expr(module, &c.func),
                    Some(Symbol::External(p)) if p.starts_with("django.db.models.") && p.ends_with("Field"))
            })
        })
    }

    fn meta(&self, module: &str, qualname: &str, depth: u32) -> Option<Meta> {
        let class = self.program.class(module, qualname)?;
        let mut meta = Meta::default();
        // `class Meta(Parent.Meta)`: options of the parent's Meta first.
        for base in self.program.bases(module, class) {
            if let Symbol::Class(m, q) = base
                && depth < 8
                && let Some(parent) = self.meta(&m, &q, depth + 1)
            {
                meta.proxy = meta.proxy.or(parent.proxy);
                meta.managed = meta.managed.or(parent.managed);
                meta.db_table = meta.db_table.or(parent.db_table);
                meta.app_label = meta.app_label.or(parent.app_label);
            }
        }
        for a in &class.assigns {
            match (a.target.as_str(), &a.value) {
                ("abstract", Expr::Bool(b)) => meta.is_abstract = *b,
                ("proxy", Expr::Bool(b)) => meta.proxy = Some(*b),
                ("managed", Expr::Bool(b)) => meta.managed = Some(*b),
                ("db_table", Expr::Str(s)) => meta.db_table = Some(s.clone()),
                ("app_label", Expr::Str(s)) => meta.app_label = Some(s.clone()),
                _ => {}
            }
        }
        Some(meta)
    }

    /// The Meta Django uses for a model: its own `Meta`, else the `Meta` of the nearest
    /// abstract ancestor (abstract models keep `Meta` as a class attribute, with
    /// `abstract` reset to False; concrete ones do not).
    fn effective_meta(&mut self, module: &str, qualname: &str) -> Meta {
        let own = format!("{qualname}.Meta");
        if self.program.class(module, &own).is_some() {
            return self.meta(module, &own, 0).unwrap_or_default();
        }
        for ancestor in self.program.ancestry(module, qualname).into_iter().skip(1) {
            if let Symbol::Class(m, q) = ancestor {
                let meta_name = format!("{q}.Meta");
                if self.program.class(&m, &meta_name).is_some()
                    && self.class_is_model(&m, &q)
                    && let Some(mut meta) = self.meta(&m, &meta_name, 0)
                    && meta.is_abstract
                {
                    meta.is_abstract = false;
                    return meta;
                }
            }
        }
        Meta::default()
    }
}

impl Models {
    pub fn build(program: &Program, apps: &Apps, settings: &Settings) -> Models {
        let mut b = Builder {
            program,
            settings,
            is_model: HashMap::new(),
        };
        let mut models = Models {
            by_label: BTreeMap::new(),
            by_class: HashMap::new(),
            completed: HashSet::new(),
            index: Index::default(),
            diagnostics: Vec::new(),
        };
        // Pass 1: every model class, its label, Meta and (own) table.
        let mut order = Vec::new();
        for module in &program.modules {
            for class in &module.facts.classes {
                if class.depth != 0 || class.in_function.is_some() {
                    continue;
                }
                if !b.class_is_model(&module.name, &class.qualname) {
                    continue;
                }
                let meta = b.effective_meta(&module.name, &class.qualname);
                let own_meta = b
                    .meta(&module.name, &format!("{}.Meta", class.qualname), 0)
                    .unwrap_or_default();
                let app_label = meta
                    .app_label
                    .clone()
                    .or_else(|| apps.containing(&module.name).map(|a| a.label.clone()))
                    .unwrap_or_else(|| fallback_label(&module.name));
                let label = format!("{app_label}.{}", class.name);
                let key = label.to_lowercase();
                if let Some(existing) = models.by_label.get(&key) {
                    models.diagnostics.push(
                        Diagnostic::warning(
                            "duplicate-model",
                            format!(
                                "model {label} is also defined at {}:{}; this definition is ignored",
                                existing.file, existing.line
                            ),
                        )
                        .file(module.rel)
                        .line(class.line)
                        .help("Django raises \"Conflicting models\" for this; rename one or set Meta.app_label"),
                    );
                    continue;
                }
                let table = (!own_meta.is_abstract).then(|| {
                    meta.db_table
                        .clone()
                        .unwrap_or_else(|| rules::default_table(&app_label, &class.name))
                });
                models
                    .by_class
                    .insert((module.name.clone(), class.qualname.clone()), label.clone());
                order.push(key.clone());
                models.by_label.insert(
                    key,
                    Model {
                        label,
                        app_label,
                        name: class.name.clone(),
                        class: Some((module.name.clone(), class.qualname.clone())),
                        file: module.rel.to_owned(),
                        line: class.line,
                        table,
                        is_abstract: own_meta.is_abstract,
                        proxy: meta.proxy.unwrap_or(false),
                        managed: meta.managed.unwrap_or(true),
                        auto_created: false,
                        fields: Vec::new(),
                        bases: Vec::new(),
                        managers: Vec::new(),
                        manager_classes: Vec::new(),
                    },
                );
            }
        }
        // Pass 2: bases, proxies' tables, fields and relations.
        for key in &order {
            models.complete(&mut b, key);
        }
        // Pass 3: join models Django auto-creates for many-to-many fields.
        let mut auto = Vec::new();
        for model in models.by_label.values() {
            if model.is_abstract || model.proxy {
                continue;
            }
            for f in &model.fields {
                if f.relation == Some(EdgeKind::M2m)
                    && let (Some(through), Some(target)) = (&f.through, &f.target)
                    && models.get(through).is_none()
                {
                    auto.push(models.auto_through(model, f, through, target));
                }
            }
        }
        for m in auto {
            models.by_label.entry(m.label.to_lowercase()).or_insert(m);
        }
        models.add_hierarkey_stores(program, apps);
        models.index = models.make_index();
        models
    }

    fn make_index(&self) -> Index {
        let mut index = Index::default();
        for (key, m) in &self.by_label {
            for class in &m.manager_classes {
                let labels = index.by_manager.entry(class.clone()).or_default();
                if labels.last() != Some(key) {
                    labels.push(key.clone());
                }
            }
            if m.is_abstract {
                continue;
            }
            for f in &m.fields {
                let (Some(kind), Some(target)) = (f.relation, &f.target) else {
                    continue;
                };
                let accessor =
                    rules::reverse_accessor(f.related_name.as_deref(), kind, &m.name, &m.app_label);
                if let Some(accessor) = accessor {
                    index
                        .reverse
                        .entry(target.to_ascii_lowercase())
                        .or_default()
                        .push((accessor, m.label.clone(), f.through.clone()));
                }
            }
        }
        index
    }

    /// Store models django-hierarkey generates for decorated classes.
    fn add_hierarkey_stores(&mut self, program: &Program, apps: &Apps) {
        for store in super::hierarkey::store_models(program) {
            let Some(app) = apps.containing(&store.module) else {
                continue;
            };
            let label = format!("{}.{}", app.label, store.name);
            let target = self
                .by_class
                .get(&store.decorated)
                .cloned()
                .filter(|_| store.has_object_fk);
            let rel = program.module(&store.module).map(|m| m.rel).unwrap_or("");
            let fields = target
                .map(|t| Field {
                    name: "object".to_owned(),
                    relation: Some(EdgeKind::Fk),
                    class_name: "ForeignKey".to_owned(),
                    target: Some(t),
                    through: None,
                    related_name: None,
                    parent_link: false,
                    db_table: None,
                    file: rel.to_owned(),
                    line: store.line,
                })
                .into_iter()
                .collect();
            self.by_label.entry(label.to_lowercase()).or_insert(Model {
                table: Some(rules::default_table(&app.label, &store.name)),
                label,
                app_label: app.label.clone(),
                name: store.name,
                class: None,
                file: rel.to_owned(),
                line: store.line,
                is_abstract: false,
                proxy: false,
                managed: true,
                auto_created: false,
                fields,
                bases: Vec::new(),
                managers: vec!["objects".to_owned()],
                manager_classes: Vec::new(),
            });
        }
    }

    fn complete(&mut self, b: &mut Builder, key: &str) {
        if !self.completed.insert(key.to_owned()) {
            return;
        }
        let Some((module, qualname)) = self.by_label[key].class.clone() else {
            return;
        };
        let program = b.program;
        let Some(class) = program.class(&module, &qualname) else {
            return;
        };
        let model = self.by_label[key].clone();
        // Direct model bases.
        let mut bases = Vec::new();
        let mut concrete_parents = Vec::new();
        let mut inherited: Vec<Field> = Vec::new();
        for base in program.bases(&module, class) {
            match &base {
                Symbol::Class(m, q) => {
                    let Some(label) = self.by_class.get(&(m.clone(), q.clone())).cloned() else {
                        continue;
                    };
                    bases.push(label.clone());
                    let parent = self.fields_of(b, &label);
                    let parent_model = &self.by_label[&label.to_lowercase()];
                    if parent_model.is_abstract {
                        // Abstract parents' fields are copied into the child.
                        inherited.extend(parent);
                    } else {
                        concrete_parents.push(self.concrete_label(&label));
                    }
                }
                Symbol::Value(..) => {
                    // `Benefit = get_model("offer", "Benefit")`; `class X(Benefit)`.
                    let Some(label) = get_model_value(program, &base)
                        .and_then(|l| self.get(&l).map(|m| m.label.clone()))
                    else {
                        continue;
                    };
                    bases.push(label.clone());
                    let parent = self.fields_of(b, &label);
                    if self.by_label[&label.to_lowercase()].is_abstract {
                        inherited.extend(parent);
                    } else {
                        concrete_parents.push(self.concrete_label(&label));
                    }
                }
                Symbol::External(path) => {
                    if let Some(known) = rules::known_model_by_path(path) {
                        bases.push(known.label.to_owned());
                        concrete_parents.push(known.label.to_owned());
                    } else if let Some(relations) = rules::library_abstract_model(path) {
                        for r in relations {
                            let target = if r.target == rules::AUTH_USER_MODEL {
                                b.settings.auth_user_model()
                            } else {
                                r.target
                            };
                            inherited.push(Field {
                                name: r.field.to_owned(),
                                relation: Some(r.kind),
                                class_name: match r.kind {
                                    EdgeKind::M2m => "ManyToManyField",
                                    EdgeKind::O2o => "OneToOneField",
                                    _ => "ForeignKey",
                                }
                                .to_owned(),
                                target: Some(target.to_owned()),
                                through: None,
                                related_name: None,
                                parent_link: false,
                                db_table: None,
                                file: model.file.clone(),
                                line: model.line,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        // Fields declared on this class override inherited ones of the same name;
        // `name = None` removes an inherited field.
        let mut fields: Vec<Field> = Vec::new();
        let own = self.own_fields(b, &module, class);
        let removed: HashSet<&str> = class
            .assigns
            .iter()
            .filter(|a| a.value == Expr::None)
            .map(|a| a.target.as_str())
            .collect();
        for f in inherited {
            if !removed.contains(f.name.as_str()) && !own.iter().any(|o| o.name == f.name) {
                fields.push(f);
            }
        }
        fields.extend(own);
        // Relations are resolved for the concrete model (a string "Model" or "self" in
        // an abstract parent is relative to the child): abstract ones keep references raw.
        for f in &mut fields {
            if f.relation.is_some() && !model.is_abstract {
                f.target = f
                    .target
                    .take()
                    .map(|t| self.canonical_target(&t, &model.label, &model.app_label));
                f.through = f
                    .through
                    .take()
                    .map(|t| self.canonical_target(&t, &model.label, &model.app_label));
            }
        }
        let proxy = model.proxy;
        if !proxy && !model.is_abstract {
            for parent in &concrete_parents {
                let has_link = fields.iter().any(|f| {
                    f.parent_link
                        && f.target.as_deref().map(str::to_lowercase) == Some(parent.to_lowercase())
                });
                if !has_link {
                    let parent_name = parent.rsplit('.').next().unwrap_or(parent);
                    fields.insert(
                        0,
                        Field {
                            name: rules::parent_link_field(parent_name),
                            relation: Some(EdgeKind::O2o),
                            class_name: "OneToOneField".to_owned(),
                            target: Some(parent.clone()),
                            through: None,
                            related_name: None,
                            parent_link: true,
                            db_table: None,
                            file: model.file.clone(),
                            line: model.line,
                        },
                    );
                }
            }
        }
        // Auto-created join models for many-to-many fields without `through=`.
        if !model.is_abstract && !proxy {
            for f in &mut fields {
                if f.relation == Some(EdgeKind::M2m) && f.through.is_none() {
                    f.through = Some(format!(
                        "{}.{}",
                        model.app_label,
                        rules::m2m_through_model(&model.name, &f.name)
                    ));
                }
            }
        }
        let table = if proxy {
            concrete_parents
                .first()
                .and_then(|p| self.table_of(p))
                .or(model.table.clone())
        } else {
            model.table.clone()
        };
        let (managers, manager_classes) = self.managers(b, &module, class, &bases);
        let m = self.by_label.get_mut(key).expect("model exists");
        m.bases = bases;
        m.fields = fields;
        m.table = table;
        m.managers = managers;
        m.manager_classes = manager_classes;
    }

    /// Fields of a model as its subclasses inherit them (computed on demand).
    fn fields_of(&mut self, b: &mut Builder, label: &str) -> Vec<Field> {
        let key = label.to_lowercase();
        self.complete(b, &key);
        self.by_label
            .get(&key)
            .map(|m| m.fields.clone())
            .unwrap_or_default()
    }

    fn concrete_label(&self, label: &str) -> String {
        let mut current = label.to_owned();
        for _ in 0..16 {
            let Some(m) = self.get(&current) else { break };
            if !m.proxy {
                return m.label.clone();
            }
            match m.bases.first() {
                Some(parent) => current = parent.clone(),
                None => break,
            }
        }
        current
    }

    fn table_of(&self, label: &str) -> Option<String> {
        match self.get(label) {
            Some(m) => m.table.clone(),
            None => rules::known_model_by_label(label).map(|k| k.table.to_owned()),
        }
    }

    fn own_fields(&self, b: &mut Builder, module: &str, class: &Class) -> Vec<Field> {
        let program = b.program;
        let rel = program.module(module).map(|m| m.rel).unwrap_or("");
        let mut fields = Vec::new();
        for a in &class.assigns {
            let Some(call) = a.value.as_call() else {
                continue;
            };
            let Some(class_name) = field_class_name(program, module, &call.func) else {
                continue;
            };
            if rules::is_virtual_relation(&class_name) {
                continue;
            }
            let relation = rules::relation_field_kind(&class_name)
                .or_else(|| self.in_tree_relation_kind(program, module, &call.func));
            let (target, through) = match relation {
                Some(_) => (
                    call.arg(0, "to")
                        .and_then(|e| self.reference(b, module, e, 0)),
                    call.kwarg("through")
                        .and_then(|e| self.reference(b, module, e, 0)),
                ),
                None => {
                    if !class_name.ends_with("Field") {
                        continue; // a manager or another attribute, not a column
                    }
                    (None, None)
                }
            };
            fields.push(Field {
                name: a.target.clone(),
                relation,
                class_name,
                target,
                through,
                related_name: call
                    .kwarg("related_name")
                    .and_then(|e| e.as_str().map(str::to_owned)),
                parent_link: call.kwarg("parent_link") == Some(&Expr::Bool(true)),
                db_table: call
                    .kwarg("db_table")
                    .and_then(|e| e.as_str().map(str::to_owned)),
                file: rel.to_owned(),
                line: a.line,
            });
        }
        fields
    }

    /// A relation field class defined in the tree (a subclass of `ForeignKey`…).
    fn in_tree_relation_kind(
        &self,
        program: &Program,
        module: &str,
        func: &Expr,
    ) -> Option<EdgeKind> {
        let Some(Symbol::Class(m, q)) = program.resolve_expr(module, func) else {
            return None;
        };
        program.ancestry(&m, &q).iter().find_map(|s| match s {
            Symbol::External(p) => rules::relation_field_kind(p.rsplit('.').next()?),
            Symbol::Class(_, q) => rules::relation_field_kind(q.rsplit('.').next()?),
            _ => None,
        })
    }

    /// A model reference as written: a string label, a class, `settings.AUTH_USER_MODEL`,
    /// or a constant holding one. Returns a label, possibly relative (`"Model"`, `"self"`).
    fn reference(&self, b: &Builder, module: &str, expr: &Expr, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let program = b.program;
        match expr {
            Expr::Str(s) => Some(s.clone()),
            Expr::Name(_) | Expr::Attr(..) => match program.resolve_expr(module, expr)? {
                Symbol::Class(m, q) => self.by_class.get(&(m, q)).cloned(),
                Symbol::External(path) => external_reference(&path, b.settings),
                Symbol::Value(m, t) => {
                    let value = program.value(&m, &t)?;
                    self.reference(b, &m, &value.value, depth + 1)
                }
                _ => None,
            },
            Expr::Call(call) => {
                let func = call.func.dotted()?;
                let name = func.rsplit('.').next().unwrap_or(&func);
                match name {
                    // getattr(settings, "AUTH_USER_MODEL", "auth.User")
                    "getattr" => {
                        let setting = call.args.get(1)?.as_str()?;
                        if setting == "AUTH_USER_MODEL" {
                            return Some(b.settings.auth_user_model().to_owned());
                        }
                        call.args
                            .get(2)
                            .and_then(|d| self.reference(b, module, d, depth + 1))
                    }
                    "get_user_model" => Some(b.settings.auth_user_model().to_owned()),
                    "get_model" => model_label_from_args(call),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Resolves a possibly relative reference for the model `owner` (`"self"`, a bare
    /// model name in the owner's app) and normalises its case to the model's own.
    fn canonical_target(&self, reference: &str, owner: &str, app_label: &str) -> String {
        let label = if reference == "self" {
            owner.to_owned()
        } else if reference.contains('.') {
            reference.to_owned()
        } else {
            format!("{app_label}.{reference}")
        };
        if let Some(m) = self.get(&label) {
            return m.label.clone();
        }
        if let Some(k) = rules::known_model_by_label(&label) {
            return k.label.to_owned();
        }
        label
    }

    fn managers(
        &self,
        b: &Builder,
        module: &str,
        class: &Class,
        bases: &[String],
    ) -> (Vec<String>, Vec<(String, String)>) {
        let program = b.program;
        let mut names = Vec::new();
        let mut classes = Vec::new();
        for a in &class.assigns {
            let Some(call) = a.value.as_call() else {
                continue;
            };
            let mut symbols = Vec::new();
            manager_symbols(
                program,
                module,
                &Expr::Call(Box::new(call.clone())),
                0,
                &mut symbols,
            );
            let mut is_manager = false;
            for symbol in symbols {
                match symbol {
                    Symbol::Class(m, q) if is_manager_class(program, &m, &q) => {
                        is_manager = true;
                        if !classes.contains(&(m.clone(), q.clone())) {
                            classes.push((m, q));
                        }
                    }
                    Symbol::External(p) if is_manager_path(&p) => is_manager = true,
                    _ => {}
                }
            }
            if is_manager {
                names.push(a.target.clone());
            }
        }
        // Managers are inherited from abstract parents.
        for base in bases {
            if let Some(parent) = self.get(base) {
                for n in &parent.managers {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
                for c in &parent.manager_classes {
                    if !classes.contains(c) {
                        classes.push(c.clone());
                    }
                }
            }
        }
        for default in ["objects", "_default_manager", "_base_manager"] {
            if !names.iter().any(|n| n == default) {
                names.push(default.to_owned());
            }
        }
        (names, classes)
    }

    fn auto_through(&self, model: &Model, field: &Field, through: &str, target: &str) -> Model {
        let target_name = target.rsplit('.').next().unwrap_or(target).to_lowercase();
        let own_name = model.name.to_lowercase();
        let (from, to) = if target.eq_ignore_ascii_case(&model.label) {
            (format!("from_{own_name}"), format!("to_{own_name}"))
        } else {
            (own_name, target_name)
        };
        let table = field
            .db_table
            .clone()
            .unwrap_or_else(|| rules::m2m_table(model.table.as_deref().unwrap_or(""), &field.name));
        let fk = |name: String, target: &str| Field {
            name,
            relation: Some(EdgeKind::Fk),
            class_name: "ForeignKey".to_owned(),
            target: Some(target.to_owned()),
            through: None,
            related_name: None,
            parent_link: false,
            db_table: None,
            file: field.file.clone(),
            line: field.line,
        };
        Model {
            label: through.to_owned(),
            app_label: model.app_label.clone(),
            name: through.rsplit('.').next().unwrap_or(through).to_owned(),
            class: None,
            file: field.file.clone(),
            line: field.line,
            table: Some(table),
            is_abstract: false,
            proxy: false,
            managed: model.managed,
            auto_created: true,
            fields: vec![fk(from, &model.label), fk(to, target)],
            bases: Vec::new(),
            managers: Vec::new(),
            manager_classes: Vec::new(),
        }
    }

    pub fn get(&self, label: &str) -> Option<&Model> {
        self.by_label.get(&label.to_lowercase())
    }

    pub fn by_class(&self, module: &str, qualname: &str) -> Option<&Model> {
        self.by_class
            .get(&(module.to_owned(), qualname.to_owned()))
            .and_then(|l| self.get(l))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Model> {
        self.by_label.values()
    }

    /// The model a manager or queryset class serves, for queries in its methods.
    /// Concrete models first; a model whose parent also uses the class (it inherited
    /// the manager) comes after the parent.
    pub fn models_of_manager(&self, module: &str, qualname: &str) -> Vec<&Model> {
        let key = (module.to_owned(), qualname.to_owned());
        let mut models: Vec<&Model> = self
            .index
            .by_manager
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|label| self.by_label.get(label))
            .collect();
        let inherited = |m: &Model| {
            m.bases.iter().any(|b| {
                self.get(b)
                    .is_some_and(|p| !p.is_abstract && p.manager_classes.contains(&key))
            })
        };
        models.sort_by_key(|m| (m.is_abstract, inherited(m)));
        models
    }

    /// The model label for a reference that may be a table-less string (used by
    /// `apps.get_model`).
    pub fn lookup(&self, app_label: &str, name: &str) -> Option<&Model> {
        self.get(&format!("{app_label}.{name}"))
    }

    /// A field or reverse accessor of `model` by name, with the model it leads to
    /// and, for many-to-many, the join model.
    pub fn relation_by_name(&self, model: &Model, name: &str) -> Option<(String, Option<String>)> {
        if let Some(f) = model
            .fields
            .iter()
            .find(|f| f.name == name && f.relation.is_some())
        {
            return Some((f.target.clone()?, f.through.clone()));
        }
        // Reverse accessors: relations from other models pointing here.
        self.index
            .reverse
            .get(&model.label.to_ascii_lowercase())?
            .iter()
            .find(|(accessor, ..)| accessor == name)
            .map(|(_, other, through)| (other.clone(), through.clone()))
    }
}

fn fallback_label(module: &str) -> String {
    let parts: Vec<&str> = module.split('.').collect();
    let i = parts
        .iter()
        .rposition(|p| *p == "models")
        .unwrap_or(parts.len());
    parts[..i].last().unwrap_or(&parts[0]).to_string()
}

/// The class name of a field call (`models.ForeignKey(...)` → `ForeignKey`), when it
/// resolves to Django's model fields, a relation field of a known library, or an
/// in-tree field class.
fn field_class_name(program: &Program, module: &str, func: &Expr) -> Option<String> {
    match program.resolve_expr(module, func)? {
        Symbol::External(path) => {
            let name = path.rsplit('.').next()?.to_owned();
            (path.starts_with("django.db.models.")
                || path.starts_with("django.contrib.")
                || rules::relation_field_kind(&name).is_some()
                || name.ends_with("Field"))
            .then_some(name)
        }
        Symbol::Class(m, q) => {
            // An in-tree field class: a subclass of a Django field.
            let is_field = program.ancestry(&m, &q).iter().any(|s| {
                matches!(s, Symbol::External(p) if p.starts_with("django.db.models.") || p.ends_with("Field") || p.ends_with("ForeignKey"))
            });
            is_field.then(|| q.rsplit('.').next().unwrap_or(&q).to_owned())
        }
        _ => None,
    }
}

fn external_reference(path: &str, settings: &Settings) -> Option<String> {
    if path == "django.conf.settings.AUTH_USER_MODEL" {
        return Some(settings.auth_user_model().to_owned());
    }
    if let Some(k) = rules::known_model_by_path(path) {
        return Some(k.label.to_owned());
    }
    // `pkg.app.models.Model` → `app.Model`, Django's default label for it.
    let parts: Vec<&str> = path.split('.').collect();
    let i = parts.iter().rposition(|p| *p == "models")?;
    Some(format!(
        "{}.{}",
        parts.get(i.checked_sub(1)?)?,
        parts.last()?
    ))
}

/// The label of a module-level `X = get_model("app", "Model")` value (oscar's
/// `get_model`, Django's `apps.get_model`).
fn get_model_value(program: &Program, symbol: &Symbol) -> Option<String> {
    let Symbol::Value(m, t) = symbol else {
        return None;
    };
    let call = program.value(m, t)?.value.as_call()?;
    let func = call.func.dotted()?;
    (func == "get_model" || func.ends_with(".get_model")).then(|| model_label_from_args(call))?
}

/// `get_model("app", "Model")` or `get_model("app.Model")`.
pub fn model_label_from_args(call: &Call) -> Option<String> {
    match (
        call.args.first()?.as_str(),
        call.args.get(1).and_then(Expr::as_str),
    ) {
        (Some(app), Some(model)) => Some(format!("{app}.{model}")),
        (Some(label), None) if label.contains('.') => Some(label.to_owned()),
        _ => None,
    }
}

/// The classes a manager expression is built from: `X()`, `QS.as_manager()`,
/// `Manager.from_queryset(QS)()`, and names bound to such expressions
/// (`OrderManager = BaseManager.from_queryset(OrderQuerySet)`).
fn manager_symbols(
    program: &Program,
    module: &str,
    expr: &Expr,
    depth: u32,
    out: &mut Vec<Symbol>,
) {
    if depth > 8 {
        return;
    }
    match expr {
        Expr::Call(call) => match &call.func {
            Expr::Attr(obj, m) if m == "as_manager" => {
                manager_symbols(program, module, obj, depth + 1, out)
            }
            Expr::Attr(obj, m) if m == "from_queryset" => {
                manager_symbols(program, module, obj, depth + 1, out);
                if let Some(qs) = call.args.first() {
                    manager_symbols(program, module, qs, depth + 1, out);
                }
            }
            func => manager_symbols(program, module, func, depth + 1, out),
        },
        Expr::Name(_) | Expr::Attr(..) => match program.resolve_expr(module, expr) {
            Some(Symbol::Value(m, t)) => {
                if let Some(value) = program.value(&m, &t) {
                    manager_symbols(program, &m, &value.value, depth + 1, out);
                }
            }
            Some(symbol) => out.push(symbol),
            None => {}
        },
        _ => {}
    }
}

fn is_manager_path(path: &str) -> bool {
    matches!(
        path.rsplit('.').next(),
        Some("Manager" | "BaseManager" | "QuerySet")
    ) && path.starts_with("django.")
        || path.ends_with("Manager")
}

/// A class deriving from Django's `Manager` or `QuerySet`.
pub fn is_manager_class(program: &Program, module: &str, qualname: &str) -> bool {
    program.ancestry(module, qualname).iter().any(|s| match s {
        Symbol::External(p) => {
            p.starts_with("django.db.models")
                && matches!(
                    p.rsplit('.').next(),
                    Some("Manager" | "BaseManager" | "QuerySet")
                )
        }
        _ => false,
    })
}
