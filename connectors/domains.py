"""Normalised company domains for identity: lower case, no scheme, no `www.`, no path; public mail never matches."""

from __future__ import annotations

PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.co.jp", "hotmail.com", "outlook.com",
        "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com",
        "gmx.com", "gmx.de", "web.de", "mail.com", "yandex.ru", "qq.com", "163.com", "126.com", "zoho.com",
    }
)  # fmt: skip


MAX_DOMAIN = 253  # the longest DNS name


def normalise_domain(value: str | None) -> str | None:
    """`HTTPS://www.Acme.com/about` -> `acme.com`; None for empty values and for public mail domains."""
    if not value:
        return None
    text = value.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].strip(".")
    text = text.removeprefix("www.")
    if not text or "." not in text or text in PUBLIC_MAIL_DOMAINS or len(text) > MAX_DOMAIN:
        return None  # past 253 characters it is no DNS name (and would fail the page on PostgreSQL's VARCHAR(255))
    return text
