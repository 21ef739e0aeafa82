"""Helpers for the hostile-input tests: pages read as a browser reads them, and judged.

No tests live here. ``page_problems`` is the one definition of a page that keeps to the
Content Security Policy and carries a CSRF token in every form; ``form_fields`` fills a
form as a browser would (its defaults), so a test changes only the fields it attacks and
keeps working when a form gains a field; ``row_counts`` is what "nothing was written" means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from elections.extensions import db
from elections.models import AuditEvent

# Stored-XSS payloads: a script, an event handler, javascript: links (as HTML and as Markdown).
XSS_PAYLOADS = (
    '<script>alert("xss")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    "[click me](javascript:alert(1))",
)
XSS_NAME = "<img src=x onerror=alert(1)><script>alert(2)</script>"
XSS_MANIFESTO = "\n\n".join(XSS_PAYLOADS)
SQL_PAYLOADS = ("' OR 1=1 --", '"; DROP TABLE ballot; --', "1; DELETE FROM user_account")
LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "srcdoc")
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
NONCE = re.compile(r"'nonce-([^']+)'")
# Forms every signed-in page has in its header: the sign-out button and the language switcher.
HEADER_ACTIONS = ("/sign-out", "/language")


@dataclass
class _Form:
    """One <form> as parsed: where it posts, and its fields with their default values."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    has_csrf: bool = False


class _PageReader(HTMLParser):
    """Collect every form with its default values, and every CSP or CSRF problem seen."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.forms: list[_Form] = []
        self.problems: list[str] = []
        self._form: _Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list[str] | None = None
        self._option_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Judge the tag's attributes, and note form fields."""
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler {name}=")
            if name == "style":
                self.problems.append(f"<{tag}> has a style attribute")
            if name in LINK_ATTRIBUTES and (value or "").strip().lower().startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("a <style> element")
        if tag == "script":
            if not named.get("src"):
                self.problems.append("an inline <script>")
            elif self.nonce is None or named.get("nonce") != self.nonce:
                self.problems.append("a <script> without this response's nonce")
        if tag == "form":
            self._form = _Form(named.get("action") or "", (named.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is not None:
            self._field(tag, named)

    def _field(self, tag: str, named: dict[str, str | None]) -> None:
        """A field inside the current form, with the value a browser would send untouched."""
        name = named.get("name")
        if tag == "input" and name:
            kind = (named.get("type") or "text").lower()
            if name == "csrf_token":
                self._form.has_csrf = True  # type: ignore[union-attr]
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in named:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append((name, named.get("value") or default))  # type: ignore[union-attr]
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option, self._option_attrs = [], named

    def handle_data(self, data: str) -> None:
        """Text of a textarea or an option."""
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag: str) -> None:
        """Close fields and forms; a POST form without a CSRF token is a problem."""
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option_attrs.get("value")
            chosen = "selected" in self._option_attrs
            self._select[1].append(("".join(self._option) if value is None else value, chosen))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            picked = [value for value, chosen in options if chosen] or [v for v, _ in options[:1]]
            self._form.fields.extend((name, value) for value in picked)
            self._select = None
        elif tag == "form" and self._form is not None:
            if self._form.method == "post" and not self._form.has_csrf:
                self.problems.append(f"a POST form to {self._form.action!r} without a CSRF token")
            self._form = None


def read_page(response: TestResponse) -> _PageReader:
    """Parse a response's HTML against the nonce its own CSP header allows."""
    policy = response.headers.get("Content-Security-Policy", "")
    found = NONCE.search(policy)
    reader = _PageReader(found.group(1) if found else None)
    reader.feed(response.get_data(as_text=True))
    reader.close()
    return reader


def page_problems(response: TestResponse) -> list[str]:
    """Everything on the page the CSP would block or that breaks the CSRF rule."""
    return read_page(response).problems


def form_fields(response: TestResponse, action: str | None = None) -> tuple[str, MultiDict]:
    """The page's main POST form (or the one posting to ``action``): its action and defaults."""
    for form in read_page(response).forms:
        if form.method != "post" or form.action in HEADER_ACTIONS:
            continue
        if action is None or form.action == action:
            return form.action, MultiDict(form.fields)
    raise AssertionError(f"no POST form{' to ' + action if action else ''} on the page")


def submit(
    client: FlaskClient,
    url: str,
    changes: dict[str, object] | None = None,
    *,
    action: str | None = None,
    **kwargs: object,
) -> TestResponse:
    """Open a form page, change some fields (or add new ones), and post it as a browser would."""
    page = client.get(url)
    assert page.status_code == 200, f"{url}: {page.status_code}"
    target, fields = form_fields(page, action)
    for name, value in (changes or {}).items():
        fields.setlist(name, value if isinstance(value, list) else [value])
    multipart = any(isinstance(value, tuple) for value in (changes or {}).values())
    data = {name: fields.getlist(name) for name in fields}
    for name, value in (changes or {}).items():
        if isinstance(value, tuple):
            data[name] = value  # a file: (stream, filename, content type)
    if multipart:
        kwargs.setdefault("content_type", "multipart/form-data")
    return client.post(target or url, data=data, **kwargs)  # type: ignore[arg-type]


def row_counts() -> dict[str, int]:
    """How many rows every table holds: equal before and after means nothing was written."""
    db.session.commit()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def audit_actions() -> list[str]:
    """Every audit entry's action, oldest first."""
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def audit_entries(action: str) -> list[AuditEvent]:
    """Audit entries of one action, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def escaped_everywhere(page: str, payloads: Iterable[str]) -> list[str]:
    """The payloads whose live markup appears on the page (each should show only as text).

    Links are judged by ``page_problems``, which reads real attributes: the text
    ``href="javascript:`` inside an escaped tag is harmless.
    """
    live = ("<script>alert", "<img src=x onerror", "<svg onload")
    return [marker for marker in live if marker in page] + [
        payload for payload in payloads if "<" in payload and payload in page
    ]
