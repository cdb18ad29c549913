"""A local web server in a thread, serving pages a test sets up: the targets of title fetches."""

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer(ThreadingHTTPServer):
    """``pages``: path -> (status, headers, body or a callable that writes it to the handler);
    ``{port}`` in a header is the server's port. ``requested``: the paths asked for, in order.
    ``/silent`` answers nothing for 2 s."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Page)
        self.pages: dict[str, tuple] = {}
        self.requested: list[str] = []

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requested.append(self.path)
        if self.path == "/silent":
            time.sleep(2)  # not even a status line
            return
        status, headers, body = self.server.pages.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value.replace("{port}", str(self.server.server_port)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the fetch hung up on purpose: it read enough
            body(self) if callable(body) else self.wfile.write(body)

    def log_message(self, *args):
        pass


def html(body: bytes | str, content_type="text/html; charset=utf-8") -> tuple:
    """A page entry: 200, an HTML content type, ``body``."""
    return 200, {"Content-Type": content_type}, body.encode() if isinstance(body, str) else body


@contextlib.contextmanager
def serving() -> Iterator[PageServer]:
    httpd = PageServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
