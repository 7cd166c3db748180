"""`/resources` in the JSON API: the musician's reference library."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import Page
from woodshed.db import check_version
from woodshed.library import services
from woodshed.library.models import Resource
from woodshed.library.schemas import ResourceIn, ResourceOut, ResourceQuery, ResourceUpdate

api = ApiBlueprint("library_api", __name__, tag="Library")


@api.operation(
    "GET",
    "/resources",
    summary="Your reference library, newest first",
    query=ResourceQuery,
    response=Page[ResourceOut],
)
def list_resources(profile, query: ResourceQuery):
    rows, cursor = services.list_resources(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/resources",
    summary="Add a link or note to your library",
    body=ResourceIn,
    response=ResourceOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="A `link` needs `url`, a `note` needs `text`. Attach it to a piece, a "
    "section (its piece is filled in) or a skill, or to nothing. Re-sending the same "
    "client `id` returns the stored resource with 200.",
)
def create_resource(profile, body: ResourceIn):
    resource, created = services.create_resource(profile, body)
    return Reply(resource, status=201 if created else 200, version=resource.version)


@api.operation(
    "GET",
    "/resources/<uuid:resource_id>",
    summary="One resource",
    response=ResourceOut,
    etag=True,
)
def get_resource(profile, resource_id: uuid.UUID):
    resource = policy.owned_or_404(Resource, resource_id, profile)
    return Reply(resource, version=resource.version)


@api.operation(
    "PATCH",
    "/resources/<uuid:resource_id>",
    summary="Change a resource",
    body=ResourceUpdate,
    response=ResourceOut,
    etag=True,
)
def patch_resource(profile, resource_id: uuid.UUID, body: ResourceUpdate):
    resource = policy.owned_or_404(Resource, resource_id, profile)
    check_version(resource, if_match_version())
    services.update_resource(profile, resource, body.model_dump(exclude_unset=True))
    return Reply(resource, version=resource.version)


@api.operation(
    "DELETE",
    "/resources/<uuid:resource_id>",
    summary="Delete a resource",
    status=204,
    etag=True,
)
def delete_resource(profile, resource_id: uuid.UUID):
    resource = policy.owned_or_404(Resource, resource_id, profile)
    check_version(resource, if_match_version())
    services.delete_resource(resource)
