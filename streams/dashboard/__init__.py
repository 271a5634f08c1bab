"""The one-machine analytic view: an embedded DuckDB store, a live dashboard, a static report.

``store`` upserts enriched articles, PLOVER events and stories into one DuckDB file;
``sink`` is the store worker's handler; ``views`` turns the store into the JSON the
page draws; ``server`` serves page and API (aiohttp); ``report`` writes it all as one
self-contained HTML file.
"""
