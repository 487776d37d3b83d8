"""The pieces every importer is built from; no models, and no domain app imported.

- ``tables``: read a CSV or XLSX file row by row as text, with the file's own row numbers.
- ``values``: turn one text value into a typed one, or say what is wrong (``BadValue``).
- ``columns``: match columns to fields by name, check a mapping, read a row's fields.
- ``formats``: the real exports (Salesforce, HubSpot), each defined once.
- ``report``: the one report type: ``Problem`` (file, row, field, message), ``ImportReport``
  and ``ImportRejected``.
- ``bulk``: fast INSERT and UPDATE of many rows for the save step.

docs/import-formats.md ("Writing an importer") shows how they fit together.
"""
