"""shortener/__init__.py: the app factory."""

from shortener.extensions import limiter


def test_the_limiter_adds_no_hook_before_every_request(app):
    # Each limit is a decorator on its view; the app-wide hook would cost every redirect.
    hooks = app.before_request_funcs.get(None, [])
    assert hooks and not [hook for hook in hooks if getattr(hook, "__self__", None) is limiter]
