"""What every form is built from; nothing here knows a matter type.

Laid out bottom-up; each module imports only those above it:

- ``fields``: the field classes (text, count, area, money, choice, dates, lists…)
  and ``describe_form``;
- ``base``: ``FormError``, ``StepContext``, ``Findings`` and the ``FormSchema`` base;
- ``attachments``: the attachment form and the ``Attachments`` list field;
- ``time_limits``: the notice periods and time limits several forms share, and their checks;
- ``validation``: running a form (load, check, dump) and ``validate_form``;
- ``request``: the request (请示) every matter's filing form extends;
- ``checks``: checks the steps of more than one matter make.

The matter modules (``workflows.matters``) build their forms from these; the registry
and the forms every matter shares are in ``workflows.catalogue`` and ``workflows.forms``.
Keeping this package free of them is what lets the registry import the matter modules.
"""
