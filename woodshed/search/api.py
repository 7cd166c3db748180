"""`/search` in the JSON API: everything the musician wrote, grouped by kind."""

from __future__ import annotations

from woodshed import policy
from woodshed.api import ApiBlueprint
from woodshed.api.pagination import Page
from woodshed.search import services
from woodshed.search.schemas import HitOut, SearchQuery

api = ApiBlueprint("search_api", __name__, tag="Search")


@api.operation(
    "GET",
    "/search",
    summary="Find pieces, sections, skills, goals, resources, sessions and plans",
    query=SearchQuery,
    response=Page[HitOut],
    description="Whole words, accents and case folded; every word must occur, the last one "
    "may begin a longer word. Hits come grouped by kind (in the order of `kind`'s values), "
    "within a kind those with more of the words in their title first, then the newest.",
)
def search(user, profile, query: SearchQuery):
    hits, cursor = services.search_page(
        profile,
        query,
        include_private=policy.can_view_private(user, profile),
        kinds=services.readable_kinds(user, profile),
    )
    return Page(items=hits, next_cursor=cursor)
