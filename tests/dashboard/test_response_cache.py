"""The response cache's memory bound and order (its keys and what it caches: tests/dashboard/test_auth_http.py)."""
from codedash.dashboard.response_cache import ResponseCache


def test_least_recently_used_goes_first_within_the_budget():
    cache = ResponseCache(max_bytes=4000)
    cache.put("a", b"x" * 900, [])
    cache.put("b", b"y" * 900, [{"query": "q"}])
    assert cache.get("a") == (b"x" * 900, [])           # a is now the most recent
    cache.put("c", b"z" * 900, [])
    cache.put("d", b"w" * 900, [])                      # 3,800 + 200 for b's query > 4,000: b goes
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    cache.put("huge", b"h" * 1500, [])                  # over a quarter of the budget: never kept
    assert cache.get("huge") is None
    assert (cache.hits, cache.misses) == (3, 2)
    cache.clear()
    assert cache.get("a") is None
