"""OpenAPI schema hooks (drf-spectacular): what every operation of this API may answer besides success."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in the user's language: `detail`, or a list of messages per field.",
    "additionalProperties": True,
}
ERROR_RESPONSES = {
    "400": "The request has a value that cannot be used; the body names it.",
    "401": "No valid credentials.",
    "403": "Signed in, but this role may not do this.",
    "404": "Nothing here, or outside what this user may see.",
    "405": "This method is not allowed here.",
    "406": "No representation in the requested format.",
    "409": "Someone else changed the record meanwhile.",
    "415": "The body is not in a format this operation reads.",
    "429": "Too many requests; try again later.",
}


def document_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the error answers DRF and our handler (crm.api) give,
    and that its optional query parameters may be sent empty."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            # An empty optional query parameter (?day=, ?page=, ?status=) means "not given" everywhere in this
            # API (django-filter, DRF's paginator, crm.params): say so.
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
