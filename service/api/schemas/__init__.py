"""Request and response bodies of the API, as marshmallow schemas, one module per part of
the API (common, signin, catalogue, tasks, cases, admin, sign_in_throttles, duties).

The OpenAPI document is generated from these. Request fields carry Chinese messages
(``service.core.inputs``), so a 422's ``errors`` can be shown to users as they are;
every request body refuses unknown fields.
"""
