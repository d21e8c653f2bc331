"""The product's settings, and with BENCH_COUNT_QUERIES=1 a middleware that puts each response's number of database
queries in an `X-Query-Count` header. Only bench/run_all.py's gunicorn loads this module
(DJANGO_SETTINGS_MODULE=bench.settings_bench): the product carries no bench code."""

import os

from salesoffice.settings import *  # noqa: F403 - production settings, unchanged
from salesoffice.settings import MIDDLEWARE

if os.environ.get("BENCH_COUNT_QUERIES") == "1":
    # Outermost, so the session's and authentication's queries count as the page's.
    MIDDLEWARE = ["bench.query_count.QueryCountMiddleware", *MIDDLEWARE]
