"""check_page itself: each of its checks fails a page that has the fault (a check that cannot fail
would let every page through)."""

import pytest

FAULTS = {
    "a CSP violation": ("<p style=\"color: red\">inline style</p>", "style-src"),
    "a failed request": ("<img src=\"/static/no-such-image.png\" alt=\"missing\">", "response 404"),
    "a horizontal overflow": ("<canvas width=\"3000\" height=\"1\"></canvas>", "horizontal overflow"),
    "an axe violation": ("<img src=\"/static/style.css\">", "axe critical: image-alt"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_check_page_fails_a_page_with(checker, live, fault):
    markup, reported = FAULTS[fault]
    context = checker.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/auth/login")
    page.evaluate("markup => document.querySelector('main').insertAdjacentHTML('beforeend', markup)", markup)
    page.wait_for_load_state("networkidle")
    try:
        with pytest.raises(AssertionError) as failure:
            checker.check_page(page, f"check-page-{fault}")
        assert reported in str(failure.value)
    finally:
        context.close()
