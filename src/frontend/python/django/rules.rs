//! Django's naming rules and the framework classes seam recognises, each stated once
//! with where Django documents it. Everything else in the Django linker asks here.

use crate::graph::EdgeKind;

/// Default table name: `<app_label>_<model name lowercased>`.
///
/// "Django automatically derives the name of the database table from the name of your
/// model class and the app that contains it … the model's 'app label' … joined to the
/// model's class name, with an underscore between them", lower-cased.
/// <https://docs.djangoproject.com/en/5.2/ref/models/options/#table-names>
/// (Backends with a name length limit — Oracle, PostgreSQL's 63 — truncate longer
/// names with a hash suffix; seam reports the untruncated name, as SQLite uses it.)
pub fn default_table(app_label: &str, model_name: &str) -> String {
    format!("{app_label}_{}", model_name.to_lowercase())
}

/// Join table of a `ManyToManyField` without `through=`: `db_table` on the field, else
/// `<model's db_table>_<field name>` (`ManyToManyField._get_m2m_db_table`).
/// <https://docs.djangoproject.com/en/5.2/ref/models/fields/#django.db.models.ManyToManyField.db_table>
pub fn m2m_table(model_table: &str, field: &str) -> String {
    format!("{model_table}_{field}")
}

/// The model Django creates for that join table: `<ModelName>_<field>`, with foreign
/// keys named after the two models lowercased (`from_<name>`/`to_<name>` when the
/// relation is to the model itself) — `create_many_to_many_intermediary_model`.
pub fn m2m_through_model(model_name: &str, field: &str) -> String {
    format!("{model_name}_{field}")
}

/// Multi-table inheritance adds `OneToOneField(parent, parent_link=True)` named
/// `<parent model name lowercased>_ptr` unless a field with `parent_link=True` exists.
/// <https://docs.djangoproject.com/en/5.2/topics/db/models/#multi-table-inheritance>
pub fn parent_link_field(parent_model_name: &str) -> String {
    format!("{}_ptr", parent_model_name.to_lowercase())
}

/// The default reverse accessor of a relation: `<model name lowercased>_set`
/// (one-to-one: `<model name lowercased>`), unless `related_name` is given; abstract
/// models may use `%(class)s` and `%(app_label)s` in it.
/// <https://docs.djangoproject.com/en/5.2/ref/models/fields/#django.db.models.ForeignKey.related_name>
pub fn reverse_accessor(
    related_name: Option<&str>,
    kind: EdgeKind,
    model_name: &str,
    app_label: &str,
) -> Option<String> {
    match related_name {
        Some(name) if name.ends_with('+') => None,
        Some(name) => Some(
            name.replace("%(class)s", &model_name.to_lowercase())
                .replace("%(app_label)s", &app_label.to_lowercase()),
        ),
        None if kind == EdgeKind::O2o => Some(model_name.to_lowercase()),
        None => Some(format!("{}_set", model_name.to_lowercase())),
    }
}

/// Base classes that make a class a Django model.
pub const MODEL_BASES: &[&str] = &["django.db.models.Model", "django.db.models.base.Model"];

/// Relation field classes by their class name: Django's own and well-known
/// third-party subclasses (mptt, modelcluster/wagtail, django-annoying).
pub fn relation_field_kind(class_name: &str) -> Option<EdgeKind> {
    match class_name {
        "ForeignKey" | "TreeForeignKey" | "ParentalKey" => Some(EdgeKind::Fk),
        "OneToOneField" | "TreeOneToOneField" | "AutoOneToOneField" => Some(EdgeKind::O2o),
        "ManyToManyField" | "TreeManyToManyField" | "ParentalManyToManyField" => {
            Some(EdgeKind::M2m)
        }
        _ => None,
    }
}

/// Field classes that look like relations but create no column or join table.
pub fn is_virtual_relation(class_name: &str) -> bool {
    matches!(
        class_name,
        "GenericForeignKey" | "GenericRelation" | "ForeignObject" | "ForeignObjectRel"
    )
}

/// A model that lives outside the analysed tree but is commonly referenced.
pub struct KnownModel {
    pub path: &'static str,
    pub label: &'static str,
    pub table: &'static str,
}

/// Django's contrib models (some with explicit `db_table`) and wagtail's page model.
pub const KNOWN_MODELS: &[KnownModel] = &[
    KnownModel {
        path: "django.contrib.auth.models.User",
        label: "auth.User",
        table: "auth_user",
    },
    KnownModel {
        path: "django.contrib.auth.models.Group",
        label: "auth.Group",
        table: "auth_group",
    },
    KnownModel {
        path: "django.contrib.auth.models.Permission",
        label: "auth.Permission",
        table: "auth_permission",
    },
    KnownModel {
        path: "django.contrib.contenttypes.models.ContentType",
        label: "contenttypes.ContentType",
        table: "django_content_type",
    },
    KnownModel {
        path: "django.contrib.sites.models.Site",
        label: "sites.Site",
        table: "django_site",
    },
    KnownModel {
        path: "django.contrib.admin.models.LogEntry",
        label: "admin.LogEntry",
        table: "django_admin_log",
    },
    KnownModel {
        path: "django.contrib.sessions.models.Session",
        label: "sessions.Session",
        table: "django_session",
    },
    KnownModel {
        path: "django.contrib.redirects.models.Redirect",
        label: "redirects.Redirect",
        table: "django_redirect",
    },
    KnownModel {
        path: "django.contrib.flatpages.models.FlatPage",
        label: "flatpages.FlatPage",
        table: "django_flatpage",
    },
    KnownModel {
        path: "wagtail.models.Page",
        label: "wagtailcore.Page",
        table: "wagtailcore_page",
    },
];

pub fn known_model_by_path(path: &str) -> Option<&'static KnownModel> {
    KNOWN_MODELS.iter().find(|m| m.path == path)
}

pub fn known_model_by_label(label: &str) -> Option<&'static KnownModel> {
    KNOWN_MODELS
        .iter()
        .find(|m| m.label.eq_ignore_ascii_case(label))
}

/// A relation that an abstract base class from a library adds to its subclasses.
pub struct InheritedRelation {
    pub field: &'static str,
    pub kind: EdgeKind,
    /// A model label, or [`AUTH_USER_MODEL`] for the project's user model.
    pub target: &'static str,
}

/// Stands for the `AUTH_USER_MODEL` setting in [`InheritedRelation::target`].
pub const AUTH_USER_MODEL: &str = "settings.AUTH_USER_MODEL";

const USER_FK: &[InheritedRelation] = &[InheritedRelation {
    field: "user",
    kind: EdgeKind::Fk,
    target: AUTH_USER_MODEL,
}];

const PERMISSIONS_MIXIN: &[InheritedRelation] = &[
    InheritedRelation {
        field: "groups",
        kind: EdgeKind::M2m,
        target: "auth.Group",
    },
    InheritedRelation {
        field: "user_permissions",
        kind: EdgeKind::M2m,
        target: "auth.Permission",
    },
];

/// Abstract model bases from libraries, with the relations they contribute.
/// - `AbstractUser` includes `PermissionsMixin` (groups, user_permissions):
///   <https://docs.djangoproject.com/en/5.2/topics/auth/customizing/#custom-users-and-permissions>
/// - django-otp's `Device` has `user = ForeignKey(AUTH_USER_MODEL)`
///   (<https://django-otp-official.readthedocs.io/en/stable/auth.html#django_otp.models.Device>);
/// - django-oauth-toolkit's abstract application, grant and token models each have
///   `user = ForeignKey(AUTH_USER_MODEL)`; their `application`/token links point at
///   swappable models named in `OAUTH2_PROVIDER_*_MODEL` settings and are not listed.
pub fn library_abstract_model(path: &str) -> Option<&'static [InheritedRelation]> {
    match path {
        "django_otp.models.Device"
        | "oauth2_provider.models.AbstractApplication"
        | "oauth2_provider.models.AbstractGrant"
        | "oauth2_provider.models.AbstractAccessToken"
        | "oauth2_provider.models.AbstractRefreshToken"
        | "oauth2_provider.models.AbstractIDToken" => Some(USER_FK),
        "django.contrib.auth.models.AbstractUser"
        | "django.contrib.auth.models.PermissionsMixin" => Some(PERMISSIONS_MIXIN),
        "django.contrib.auth.models.AbstractBaseUser"
        | "django.contrib.auth.base_user.AbstractBaseUser"
        | "treebeard.mp_tree.MP_Node"
        | "treebeard.ns_tree.NS_Node"
        | "treebeard.al_tree.AL_Node"
        | "mptt.models.MPTTModel"
        | "model_utils.models.TimeStampedModel"
        | "django_extensions.db.models.TimeStampedModel" => Some(&[]),
        _ => None,
    }
}

/// Queryset and manager methods that write rows.
/// <https://docs.djangoproject.com/en/5.2/ref/models/querysets/#methods-that-do-not-return-querysets>
pub fn is_write_method(name: &str) -> bool {
    matches!(
        name,
        "create"
            | "update"
            | "delete"
            | "bulk_create"
            | "bulk_update"
            | "get_or_create"
            | "update_or_create"
            | "acreate"
            | "aupdate"
            | "adelete"
            | "abulk_create"
            | "abulk_update"
            | "aget_or_create"
            | "aupdate_or_create"
    )
}

/// Queryset and manager methods (reads unless [`is_write_method`]). A chain of these
/// after a manager is a query on the manager's model.
pub fn is_queryset_method(name: &str) -> bool {
    is_write_method(name)
        || matches!(
            name,
            "all"
                | "filter"
                | "exclude"
                | "get"
                | "first"
                | "last"
                | "earliest"
                | "latest"
                | "count"
                | "exists"
                | "aggregate"
                | "annotate"
                | "values"
                | "values_list"
                | "order_by"
                | "distinct"
                | "select_related"
                | "prefetch_related"
                | "only"
                | "defer"
                | "in_bulk"
                | "iterator"
                | "none"
                | "union"
                | "intersection"
                | "difference"
                | "select_for_update"
                | "raw"
                | "extra"
                | "using"
                | "reverse"
                | "dates"
                | "datetimes"
                | "alias"
                | "contains"
                | "explain"
                | "get_queryset"
                | "aget"
                | "afirst"
                | "alast"
                | "acount"
                | "aexists"
                | "aaggregate"
                | "ain_bulk"
                | "aiterator"
                | "acontains"
                | "aearliest"
                | "alatest"
        )
}

/// Related-manager methods that change a relation: on a many-to-many manager they
/// write the join table; on a reverse foreign key they update the related rows.
/// <https://docs.djangoproject.com/en/5.2/ref/models/relations/>
pub fn is_related_manager_write(name: &str) -> bool {
    matches!(
        name,
        "add" | "remove" | "clear" | "set" | "aadd" | "aremove" | "aclear" | "aset"
    )
}

/// Methods returning one model instance (for typing the variable they are assigned to).
pub fn returns_instance(name: &str) -> bool {
    matches!(
        name,
        "get"
            | "first"
            | "last"
            | "earliest"
            | "latest"
            | "create"
            | "aget"
            | "afirst"
            | "alast"
            | "acreate"
    )
}

/// Methods returning `(instance, created)`.
pub fn returns_instance_tuple(name: &str) -> bool {
    matches!(
        name,
        "get_or_create" | "update_or_create" | "aget_or_create" | "aupdate_or_create"
    )
}

/// How a class-based view with a model binding touches it, from its base classes.
/// Django's generic views: <https://docs.djangoproject.com/en/5.2/ref/class-based-views/>;
/// DRF's generic views and viewsets: <https://www.django-rest-framework.org/api-guide/generic-views/>.
pub fn view_access(base_name: &str) -> Option<(bool, bool)> {
    // (reads, writes)
    let reads = true;
    match base_name {
        "ListView"
        | "DetailView"
        | "ReadOnlyModelViewSet"
        | "ListAPIView"
        | "RetrieveAPIView"
        | "ListModelMixin"
        | "RetrieveModelMixin"
        | "ArchiveIndexView"
        | "YearArchiveView"
        | "MonthArchiveView"
        | "DayArchiveView"
        | "DateDetailView" => Some((reads, false)),
        "CreateView" | "CreateAPIView" | "CreateModelMixin" => Some((false, true)),
        "UpdateView"
        | "DeleteView"
        | "ModelViewSet"
        | "ListCreateAPIView"
        | "RetrieveUpdateAPIView"
        | "RetrieveDestroyAPIView"
        | "RetrieveUpdateDestroyAPIView"
        | "UpdateAPIView"
        | "DestroyAPIView"
        | "UpdateModelMixin"
        | "DestroyModelMixin" => Some((reads, true)),
        "GenericAPIView"
        | "GenericViewSet"
        | "SingleObjectMixin"
        | "MultipleObjectMixin"
        | "FormView"
        | "ModelFormMixin" => Some((reads, false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_is_label_underscore_lowercased_name() {
        assert_eq!(default_table("orders", "OrderLine"), "orders_orderline");
        assert_eq!(m2m_table("catalog_product", "tags"), "catalog_product_tags");
        assert_eq!(m2m_through_model("Product", "tags"), "Product_tags");
        assert_eq!(parent_link_field("Place"), "place_ptr");
    }

    #[test]
    fn reverse_accessors() {
        assert_eq!(
            reverse_accessor(None, EdgeKind::Fk, "OrderLine", "orders").as_deref(),
            Some("orderline_set")
        );
        assert_eq!(
            reverse_accessor(None, EdgeKind::O2o, "Profile", "accounts").as_deref(),
            Some("profile")
        );
        assert_eq!(
            reverse_accessor(
                Some("%(app_label)s_%(class)s_related"),
                EdgeKind::Fk,
                "Note",
                "crm"
            )
            .as_deref(),
            Some("crm_note_related")
        );
        assert_eq!(reverse_accessor(Some("+"), EdgeKind::Fk, "A", "b"), None);
    }
}
