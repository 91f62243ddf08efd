"""The content API's OpenAPI 3.1 description, served at `/api/v2/openapi.json`.

Derived from the API itself, so it cannot drift from what the API answers: the endpoints the
router has registered, the models each serves, and for each model the serializer Wagtail
builds from the viewset's field lists and the models' `api_fields` (with `fields=*`). Each
serializer field is mapped to a JSON Schema by its class; a field whose shape cannot be
derived raises `ImproperlyConfigured` — declare a serializer on its `APIField` (see
`newsroom.api_fields`) — rather than be described loosely.
"""

from functools import cache

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from rest_framework import serializers
from wagtail.api.v2 import serializers as wagtail_serializers
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page, get_page_models

from samizdat.newsroom.api_fields import ReaderRenditionField

OPENAPI_VERSION = "3.1.0"
ALL_FIELDS = [("*", False, None)]
STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE_TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri-reference"}
# Wagtail's own fields, by class.
WAGTAIL_FIELDS = {
    wagtail_serializers.TypeField: STRING,
    wagtail_serializers.PageTypeField: STRING,
    wagtail_serializers.DetailUrlField: URI,
    wagtail_serializers.PageHtmlUrlField: URI,
    wagtail_serializers.PageLocaleField: STRING,
    wagtail_serializers.TagsField: {"type": "array", "items": STRING},
}
# Plain serializer fields, most specific first.
DRF_FIELDS = [
    (serializers.BooleanField, BOOLEAN),
    (serializers.IntegerField, INTEGER),
    (serializers.DateTimeField, DATE_TIME),
    (serializers.URLField, URI),
    (serializers.CharField, STRING),
]


def _nullable(schema):
    if "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties) if required is None else required,
        "additionalProperties": False,
    }


def _serializer_schema(serializer):
    return _object({name: _field_schema(field) for name, field in serializer.fields.items()})


def _field_schema(field):
    """JSON Schema of one serializer field (not counting null)."""
    for cls, schema in WAGTAIL_FIELDS.items():
        if type(field) is cls:
            return schema
    if isinstance(field, ReaderRenditionField):
        return _serializer_schema(field.schema())
    if isinstance(field, serializers.ListField):
        return {"type": "array", "items": _field_schema(field.child)}
    if isinstance(field, serializers.Serializer):
        return _serializer_schema(field)
    if isinstance(field, (wagtail_serializers.RelatedField, wagtail_serializers.PageParentField,
                          wagtail_serializers.PageAliasOfField)):
        return _related_schema(field)
    if isinstance(field, serializers.ChoiceField):
        return {"type": "string", "enum": [*field.choices] + ([""] if field.allow_blank and "" not in field.choices else [])}
    for cls, schema in DRF_FIELDS:
        if isinstance(field, cls):
            return schema
    raise ImproperlyConfigured(
        f"The OpenAPI description cannot tell the shape of the API field {field.field_name!r} "
        f"({type(field).__name__}): give its APIField a serializer (see samizdat.newsroom.api_fields)."
    )


def _related_schema(field):
    """A related object as the API nests it: {id, meta: {type, detail_url…}, title…}."""
    from_router = getattr(field, "serializer_class", None)
    if from_router is None:  # parent, alias_of: the fields Wagtail's own fields answer
        from_router = wagtail_serializers.get_serializer_class(
            Page, ["id", "type", "detail_url", "html_url", "title"], meta_fields=["type", "detail_url", "html_url"],
            base=wagtail_serializers.PageSerializer,
        )
    return _instance_schema(from_router(context={}), model=from_router.Meta.model, nested=True)


def _null_allowed(model, name, field):
    if isinstance(field, (wagtail_serializers.PageParentField, wagtail_serializers.PageAliasOfField,
                          wagtail_serializers.PageHtmlUrlField)):
        return True
    try:
        model_field = model._meta.get_field(field.source if field.source != "*" else name)
    except FieldDoesNotExist:
        return False
    return bool(model_field.null)


def _instance_schema(serializer, *, model, required=None, nested=False):
    """The object a Wagtail serializer answers: body fields, and meta fields under "meta"."""
    body, meta = {}, {}
    for name, field in serializer.fields.items():
        schema = _field_schema(field)
        if _null_allowed(model, name, field):
            schema = _nullable(schema)
        (meta if name in serializer.meta_fields else body)[name] = schema
    if meta:
        body["meta"] = _object(meta, required=None if required is None else [n for n in ("type", "detail_url") if n in meta])
    if model is not Page and issubclass(model, Page) and "type" in meta and not nested:
        meta["type"] = {"const": f"{model._meta.app_label}.{model.__name__}"}  # tells page types apart
    return _object(body, required=required)


def endpoint_models(name, viewset):
    """The models an endpoint answers: every page type of the reader site for `pages`."""
    if issubclass(viewset, PagesAPIViewSet):
        return [Page] + [m for m in get_page_models() if m is not Page and m.__module__.startswith("samizdat.")]
    return [viewset.model]


def _schema_name(endpoint, model):
    return f"{endpoint}.{model.__name__}"


def model_schemas(router, endpoint, viewset, model):
    """(detail schema, listing item schema) of `model` served by `viewset`."""
    detail = viewset._get_serializer_class(router, model, ALL_FIELDS, show_details=True)(context={})
    listing = viewset._get_serializer_class(router, model, ALL_FIELDS, show_details=False)(context={})
    return _instance_schema(detail, model=model), _instance_schema(listing, model=model, required=["id"])


QUERY = {
    "limit": ("integer", "How many items (at most 20)."),
    "offset": ("integer", "How many items to skip."),
    "fields": ("string", "Fields to answer, comma-separated; `*` for all, `-name` to leave one out."),
    "order": ("string", "A field to order by (`-` first for descending), or `random`."),
    "search": ("string", "Words to search for."),
}
PAGE_QUERY = {
    "type": ("string", "A page type, e.g. `newsroom.PostPage`: its own fields become available."),
    "child_of": ("integer", "Pages directly below this page id."),
    "descendant_of": ("integer", "Pages anywhere below this page id."),
}


def _parameters(spec):
    return [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": kind}}
        for name, (kind, text) in spec.items()
    ]


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@cache
def openapi_document(router):
    """The OpenAPI 3.1 document of `router` (a `WagtailAPIRouter`)."""
    schemas, paths = {}, {}
    for endpoint, viewset in router._endpoints.items():
        details, items = [], []
        for model in endpoint_models(endpoint, viewset):
            detail, item = model_schemas(router, endpoint, viewset, model)
            name = _schema_name(endpoint, model)
            schemas[name], schemas[f"{name}.item"] = detail, item
            if model is not Page:
                details.append(_ref(name))
            items.append(_ref(f"{name}.item"))
        listing = _object(
            {
                "meta": _object({"total_count": INTEGER}),
                "items": {"type": "array", "items": items[0] if len(items) == 1 else {"anyOf": items}},
            }
        )
        query = QUERY | (PAGE_QUERY if issubclass(viewset, PagesAPIViewSet) else {})
        paths[f"/{endpoint}/"] = {
            "get": {
                "operationId": f"{endpoint}_list",
                "summary": f"List {endpoint}",
                "parameters": _parameters(query),
                "responses": {
                    "200": _json(listing, f"A page of {endpoint}"),
                    "400": {"description": "An unknown field or parameter"},
                    "429": {"description": "Too many requests: wait and retry"},
                },
            }
        }
        paths[f"/{endpoint}/{{id}}/"] = {
            "get": {
                "operationId": f"{endpoint}_detail",
                "summary": f"One of the {endpoint}",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": INTEGER},
                    *_parameters({"fields": QUERY["fields"]}),
                ],
                "responses": {
                    "200": _json(details[0] if len(details) == 1 else {"oneOf": details}, f"One of the {endpoint}"),
                    "404": {"description": "No such item, or not published"},
                    "429": {"description": "Too many requests: wait and retry"},
                },
            }
        }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Samizdat content API",
            "version": "2",
            "description": (
                "Read-only, published content only: live public pages (posts with pen-name "
                "bylines), public author profiles, lead images as renditions, active breaking "
                "news. Each edition also bakes `feed.json` (its newest posts, JSON Feed 1.1) and "
                "`breaking.json` beside its front page, so apps keep working from any copy of the site."
            ),
        },
        "servers": [{"url": "/api/v2"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }

