"""Page-number pagination in the envelope Credly's API uses, so integrators meet a known shape:

{"data": [...], "metadata": {"count", "current_page", "total_count", "total_pages",
                             "per", "previous_page_url", "next_page_url"}}
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "per"
    max_page_size = 200

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        paginator = self.page.paginator
        return Response(
            {
                "data": data,
                "metadata": {
                    "count": len(data),
                    "current_page": self.page.number,
                    "total_count": paginator.count,
                    "total_pages": paginator.num_pages,
                    "per": paginator.per_page,
                    "previous_page_url": self.get_previous_link(),
                    "next_page_url": self.get_next_link(),
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        nullable_uri = {"type": "string", "format": "uri", "nullable": True}
        integer = {"type": "integer"}
        return {
            "type": "object",
            "required": ["data", "metadata"],
            "properties": {
                "data": schema,
                "metadata": {
                    "type": "object",
                    "properties": {
                        "count": integer,
                        "current_page": integer,
                        "total_count": integer,
                        "total_pages": integer,
                        "per": integer,
                        "previous_page_url": nullable_uri,
                        "next_page_url": nullable_uri,
                    },
                },
            },
        }
