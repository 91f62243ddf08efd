"""The content API's OpenAPI description (/api/v2/openapi.json) is a valid OpenAPI 3.1
document, and says exactly what the API answers: every real response validates against it
with no field undocumented, and every documented field is in a real response."""

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from samizdat.api.openapi import openapi_document
from samizdat.api.views import api_router
from samizdat.newsroom.models import BreakingNews, PostPage

# Rate limits and throttles count in the cache: each test starts and ends with it empty.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_cleared")]


@pytest.fixture
def document(client):
    response = client.get("/api/v2/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


def answer(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return json.loads(response.content)


def validator(document, schema):
    """A JSON Schema 2020-12 validator of `schema` that resolves the document's $refs."""
    return Draft202012Validator({**schema, "components": document["components"]})


def response_schema(document, path, status="200"):
    return document["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def documented_names(document, name):
    """Every field name a component documents, meta fields as "meta.<name>"."""
    schema = document["components"]["schemas"][name]
    names = {n for n in schema["properties"] if n != "meta"}
    return names | {f"meta.{n}" for n in schema["properties"].get("meta", {}).get("properties", {})}


def answered_names(item):
    return {n for n in item if n != "meta"} | {f"meta.{n}" for n in item.get("meta", {})}


def test_the_description_is_valid_openapi_3_1(document):
    validate(document)  # raises on any error
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {f"/{name}/" for name in api_router._endpoints} | {
        f"/{name}/{{id}}/" for name in api_router._endpoints
    }
    assert document == json.loads(json.dumps(openapi_document(api_router)))  # served as generated


def test_every_response_validates_and_every_documented_field_is_answered(client, document):
    # One real object of each kind the API serves, asked for with all its fields.
    post = PostPage.objects.live().exclude(lead_image=None).filter(post_authors__isnull=False).first()
    examples = {
        "pages.PostPage": post.pk,
        "pages.BlogPage": post.get_blog().pk,
        "pages.ServicePage": post.get_service().pk,
        "pages.NewsroomHome": post.get_service().get_parent().pk,
        "authors.Author": post.ordered_authors[0].pk,
        "images.Image": post.lead_image_id,
        "breaking.BreakingNews": BreakingNews.objects.filter(service__live=True).first().pk,
    }
    schemas = document["components"]["schemas"]
    for name, pk in examples.items():
        endpoint, component = name.split(".")[0], name
        assert component in schemas
        data = answer(client, f"/api/v2/{endpoint}/{pk}/?fields=*")
        validator(document, response_schema(document, f"/{endpoint}/{{id}}/")).validate(data)
        validator(document, {"$ref": f"#/components/schemas/{component}"}).validate(data)
        assert answered_names(data) == documented_names(document, component), component
    # Listings, with the default fields and with all of them.
    for endpoint in api_router._endpoints:
        for query in ("", "?fields=*", "?type=newsroom.PostPage&fields=*" if endpoint == "pages" else "?limit=3"):
            data = answer(client, f"/api/v2/{endpoint}/{query}")
            assert data["items"], (endpoint, query)
            validator(document, response_schema(document, f"/{endpoint}/")).validate(data)
    items = answer(client, "/api/v2/pages/?type=newsroom.PostPage&fields=*")["items"]
    assert answered_names(items[0]) == documented_names(document, "pages.PostPage.item")


def test_an_undocumented_field_would_fail_validation(client, document):
    data = answer(client, f"/api/v2/pages/{PostPage.objects.live().first().pk}/?fields=*")
    data["owner"] = {"id": 1}
    errors = list(validator(document, {"$ref": "#/components/schemas/pages.PostPage"}).iter_errors(data))
    assert errors and "owner" in str(errors[0].message)
