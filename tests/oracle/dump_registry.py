"""Dump Django's own model registry as JSON: the oracle seam's Django extraction is
compared with (tests/django_oracle.rs).

Run inside the project's venv:

    python tests/oracle/dump_registry.py --root SRC --settings MODULE [--path DIR]... [-o OUT]

--root SRC      the analysed source tree. It is put first on sys.path (so the registry is
                built from exactly the code seam reads) and only models whose module file
                lies under it are reported.
--settings M    the DJANGO_SETTINGS_MODULE to use; "auto" takes the default that
                SRC/manage.py sets (os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)).
--path DIR      extra import paths (e.g. tests/oracle for oscar_settings), after SRC.
-o OUT          write the JSON there instead of stdout (projects may print while loading).

For each model of apps.get_models(include_auto_created=True) (concrete models, proxies
and auto-created M2M through models; abstract models are never registered):
label (app_label.ObjectName), db_table, proxy, auto_created, managed, and the relation
fields the model itself declares (local fields and local many-to-many fields, so
inherited fields of multi-table parents and proxies are not repeated): field name, kind
(fk | o2o | m2m), target label and, for m2m, the through model's label. Parent links of
multi-table inheritance (<parent>_ptr one-to-one fields) are local concrete fields and
are included. Reverse relations, GenericForeignKey and GenericRelation are not database
columns and are not reported.
"""

import argparse
import json
import os
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True)
    p.add_argument("--settings", required=True)
    p.add_argument("--path", action="append", default=[])
    p.add_argument("-o", "--output")
    return p.parse_args()


def relation_kind(field):
    if field.many_to_many:
        return "m2m"
    if field.one_to_one:
        return "o2o"
    if field.many_to_one:
        return "fk"
    return None


def settings_from_manage_py(root):
    """The settings module manage.py sets by default, read with ast (never executed)."""
    import ast

    path = os.path.join(root, "manage.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"
        ):
            return node.args[1].value
    sys.exit(f"{path}: no os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...) found")


def declaring_class(model, field):
    """The class whose body declares `field`, or the model itself. Django deep-copies an
    abstract base's fields into each child, keeping their creation_counter, so the
    declarer is the furthest abstract base holding a field of the same name and counter
    (a child that redeclares the field gets a new counter)."""
    origin = model
    for cls in model.__mro__[1:]:
        meta = getattr(cls, "_meta", None)
        if meta is None or not meta.abstract:
            continue
        for f in list(meta.local_fields) + list(meta.local_many_to_many):
            if f.name == field.name and f.creation_counter == field.creation_counter:
                origin = cls
    return origin


def has_class_statement(model):
    """Whether a `class` statement in the model's module defines it (inspect finds the
    ClassDef by qualified name, inside `if` blocks too)."""
    import inspect

    try:
        inspect.getsource(model)
    except (OSError, TypeError):
        return False
    return True


def module_file(module_name):
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    return os.path.realpath(path) if path else None


def main():
    args = parse_args()
    root = os.path.realpath(args.root)
    sys.path[:0] = [root] + [os.path.realpath(p) for p in args.path]
    if args.settings == "auto":
        args.settings = settings_from_manage_py(root)
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings

    import django
    from django.apps import apps
    from django.conf import settings

    django.setup()

    models = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        path = module_file(model.__module__)
        if path is None or not path.startswith(root + os.sep):
            continue
        relations = []
        for field in list(meta.local_fields) + list(meta.local_many_to_many):
            if not field.is_relation:
                continue
            # Local FK/O2O are concrete columns; local M2M own a join table. Anything else
            # (a ForeignObject without a column) is not a database relation.
            if not (field.concrete or field.many_to_many):
                continue
            kind = relation_kind(field)
            if kind is None:
                continue
            rel = {
                "field": field.name,
                "kind": kind,
                "target": field.related_model._meta.label,
            }
            if kind == "m2m":
                through = field.remote_field.through
                rel["through"] = through._meta.label
                rel["through_auto_created"] = bool(through._meta.auto_created)
                rel["through_table"] = through._meta.db_table
            if getattr(field.remote_field, "parent_link", False):
                rel["parent_link"] = True
            if field.auto_created:
                # Implicit fields: the parent links of multi-table inheritance.
                rel["implicit"] = True
            origin = declaring_class(model, field)
            origin_file = module_file(origin.__module__)
            rel["declared_in"] = f"{origin.__module__}.{origin.__qualname__}"
            rel["declared_outside_root"] = not (
                origin_file and origin_file.startswith(root + os.sep)
            )
            relations.append(rel)
        relations.sort(key=lambda r: r["field"])
        models.append(
            {
                "label": meta.label,
                "app_label": meta.app_label,
                "object_name": meta.object_name,
                "module": model.__module__,
                "file": os.path.relpath(path, root),
                "db_table": meta.db_table,
                "abstract": bool(meta.abstract),
                "proxy": bool(meta.proxy),
                "auto_created": bool(meta.auto_created),
                "managed": bool(meta.managed),
                # Multi-table inheritance parents (concrete models), by label.
                "parents": sorted(
                    p._meta.label for p, link in meta.parents.items() if link is not None
                ),
                # Direct Python bases, for explaining differences (abstract bases, mixins).
                "bases": [f"{b.__module__}.{b.__qualname__}" for b in model.__bases__],
                # False for models no `class` statement in the source defines: auto-created
                # throughs, and models generated at run time (e.g. by a decorator).
                "class_statement": has_class_statement(model),
                "relations": relations,
            }
        )
    models.sort(key=lambda m: m["label"])

    # An auto-created through model belongs to the M2M field that made it: say which, and
    # carry over whether that field was declared outside the analysed tree.
    owners = {
        rel["through"]: (m["label"], rel)
        for m in models
        for rel in m["relations"]
        if rel["kind"] == "m2m"
    }
    for m in models:
        owner = owners.get(m["label"]) if m["auto_created"] else None
        if owner is None:
            continue
        owner_label, owner_rel = owner
        m["through_of"] = f"{owner_label}.{owner_rel['field']}"
        if owner_rel["declared_outside_root"]:
            m["declared_outside_root"] = True
            for rel in m["relations"]:
                rel["declared_outside_root"] = True
                rel["declared_in"] = owner_rel["declared_in"]

    doc = {
        "django": django.get_version(),
        "settings": args.settings,
        "root": root,
        "auth_user_model": settings.AUTH_USER_MODEL,
        "installed_apps": [
            {"label": c.label, "name": c.name} for c in apps.get_app_configs()
        ],
        "models": models,
    }
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
