"""QR codes of short links (segno), as SVG and PNG.

A code encodes the short URL plus ``/q`` (``QR_SUFFIX``): the redirect serves
that path like the short URL itself and records the click with source "qr",
so the stats tell scans apart. The suffix is part of the path, not the query,
so it never reaches a target through query forwarding.
"""

import io

import segno

QR_SUFFIX = "/q"
# M: 15% of the code may be damaged (a sticker's scratches) at a modest size.
ERROR_LEVEL = "m"


def qr_url(short_url: str) -> str:
    return short_url + QR_SUFFIX


def _code(short_url: str) -> segno.QRCode:
    return segno.make_qr(qr_url(short_url), error=ERROR_LEVEL, boost_error=False)


def qr_svg(short_url: str) -> bytes:
    buffer = io.BytesIO()
    # Scale 1 with a viewBox: the page sizes it, and it stays sharp at any size.
    _code(short_url).save(buffer, kind="svg", scale=1, border=4, xmldecl=False, svgclass=None,
                          lineclass=None, omitsize=True, title="QR code of " + short_url)
    return buffer.getvalue()


def qr_png(short_url: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _code(short_url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
