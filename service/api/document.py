"""What the OpenAPI document says beyond what marshmallow's fields say on their own.

A request schema's ``json_schema`` (e.g. a PATCH body's ``minProperties: 1``) is added to
its JSON Schema here, so the document states each rule the schema enforces.
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from apispec.ext.marshmallow.openapi import OpenAPIConverter


class DocumentConverter(OpenAPIConverter):
    """apispec's converter, adding each schema's own ``json_schema`` keywords."""

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(resolve_schema_instance(schema), "json_schema", {}))
        return jsonschema


class DocumentPlugin(MarshmallowPlugin):
    Converter = DocumentConverter
