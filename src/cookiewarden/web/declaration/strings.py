"""The words of the cookie declaration and the cookie policy, and how a duration is said.

Contract: :data:`STRINGS` holds every user-facing string of both pages, in English;
:func:`merge_strings` lays a site's translations over it; :func:`human_duration` says a
lifetime in those words.

Rules:
1. Every user-facing word lives in :data:`STRINGS` (English). A site translates the page by
   passing ``strings={...}`` with the keys it overrides; placeholders such as ``{version}``
   may move within a string but must be kept.
2. A year is 365 days, as in policy files; a duration is said in the largest whole unit.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BROWSER_HELP", "STRINGS", "human_duration", "merge_strings"]

#: Every user-facing string of the declaration and the policy, in English.
STRINGS: dict[str, str] = {
    "lang": "en",
    "title_declaration": "Cookie declaration",
    "title_policy": "Cookie policy",
    "intro_declaration": (
        "This page lists every cookie this website uses, grouped by category, with who sets it, "
        "why, and how long it lasts."
    ),
    "intro_policy": (
        "This policy explains what cookies are, which cookies {organisation} uses on this "
        "website and why, and how you can control them."
    ),
    "intro_policy_anonymous": (
        "This policy explains what cookies are, which cookies this website uses and why, and "
        "how you can control them."
    ),
    "version": "Policy version {version}.",
    "version_dated": "Policy version {version}, last updated {date}.",
    # What cookies are.
    "h_what": "What cookies are",
    "what_1": (
        "Cookies are small text files that a website asks your browser to store. Each cookie "
        "has a name, a value and an expiry."
    ),
    "what_2": (
        "Your browser sends a cookie back to the website that set it with every later request, "
        "which lets the site recognise your browser: keep you signed in, remember your choices "
        "or count visits."
    ),
    # Why.
    "h_why": "Why we use cookies",
    "why_intro": "We use cookies for these purposes:",
    "why_item": "{purpose} ({categories})",
    "why_none": "We use only the cookies the site needs to work.",
    "list_separator": ", ",
    "quoted": "“{text}”",
    # Categories.
    "h_categories": "Categories of cookies",
    "categories_intro": (
        "We group our cookies into the categories below. Cookies the site needs to work are "
        "always on; every other category is used only if you allow it."
    ),
    "category_item": "{label}: {description}",
    "always_on": "Always on.",
    "needs_consent": "Used only with your consent.",
    # Who can access.
    "h_access": "Who can access a cookie",
    "access_1": (
        "A cookie is only ever sent to the website it belongs to. A cookie set for the domain "
        "{domain} with the path / is sent with every page of {domain} and of its subdomains, "
        "such as www.{domain}; a cookie set without a domain goes only to the exact address that "
        "set it."
    ),
    "access_root": "None of our cookies is shared wider than {domain}.",
    "access_providers": (
        "The provider column of each table below says who sets the cookie and can read it."
    ),
    # Expiry.
    "h_expiry": "When cookies expire",
    "expiry_kinds": (
        "A session cookie is deleted when you close your browser. A persistent cookie stays "
        "until the time the table shows, or until you delete it."
    ),
    "expiry_cap": "Non-essential cookies expire no later than {max_age} after they are set.",
    "expiry_consent": (
        "Your cookie choices are kept for {consent_max_age}; after that, or when this policy "
        "changes, we ask you again."
    ),
    "expiry_refusal": "If you refuse every optional cookie, that choice is kept for {refused}.",
    # Turning a category off.
    "h_off": "What happens if you turn a category off",
    "off_1": (
        "We stop setting the cookies of that category, no longer read those your browser still "
        "holds, and ask your browser to delete them. Features that depend on them, such as "
        "remembering your preferences, may stop working."
    ),
    "off_2": (
        "Strictly necessary cookies cannot be turned off, because the site cannot work without "
        "them."
    ),
    # Managing cookies.
    "h_manage": "How to manage cookies",
    "change_settings": "You can change or withdraw your choice at any time: {settings}",
    "settings_button": "Cookie settings",
    "change_api": "Programs can read and change your choice through the consent API at {api}.",
    "gpc": (
        "If your browser sends a Global Privacy Control signal, we treat it as a refusal of "
        "{categories} until you choose otherwise."
    ),
    "browsers_intro": (
        "You can also block or delete cookies in your browser; blocking every cookie may stop "
        "parts of this site from working. Your browser's help explains how:"
    ),
    "browser_chrome": "Google Chrome",
    "browser_firefox": "Mozilla Firefox",
    "browser_safari": "Apple Safari",
    "browser_edge": "Microsoft Edge",
    # The tables.
    "h_cookies": "The cookies we use",
    "h_changing": "Changing your choice",
    "table_caption": "{label} cookies",
    "col_name": "Name",
    "col_provider": "Provider",
    "col_purpose": "Purpose",
    "col_description": "Description",
    "col_type": "Type",
    "col_expires": "Expires after",
    "type_session": "Session",
    "type_persistent": "Persistent",
    "no_cookies": "No cookies of this category are in use.",
    "storage_caption": "{label}: data kept in your browser's storage",
    "col_key": "Key",
    "col_area": "Where",
    "area_local": "Local storage",
    "area_session": "Session storage",
    "area_any": "Local or session storage",
    "hosts_caption": "{label}: other websites our pages load from or send to",
    "col_host": "Website",
    "glob_note": (
        "A * in a cookie name, a storage key or a website stands for any characters, so one row "
        "covers a family of them."
    ),
    # Changes and contact.
    "h_changes": "Changes to this policy",
    "changes": (
        "We may update this policy when the cookies we use change. When its version changes, "
        "we ask for your choice again."
    ),
    "h_contact": "Contact us",
    "contact_intro": (
        "If you have questions about this policy or our use of cookies, contact {organisation}:"
    ),
    "contact_intro_anonymous": (
        "If you have questions about this policy or our use of cookies, contact us:"
    ),
    "contact_email": "Email: {email}",
    "contact_address": "Address: {address}",
    # Durations.
    "session": "Session",
    "unit_year": "{n} year",
    "unit_years": "{n} years",
    "unit_day": "{n} day",
    "unit_days": "{n} days",
    "unit_hour": "{n} hour",
    "unit_hours": "{n} hours",
    "unit_minute": "{n} minute",
    "unit_minutes": "{n} minutes",
    "unit_second": "{n} second",
    "unit_seconds": "{n} seconds",
}

#: The usual browsers' help pages on cookies: (``STRINGS`` key of the name, address).
BROWSER_HELP: tuple[tuple[str, str], ...] = (
    ("browser_chrome", "https://support.google.com/chrome/answer/95647"),
    ("browser_firefox", "https://support.mozilla.org/kb/clear-cookies-and-site-data-firefox"),
    ("browser_safari", "https://support.apple.com/guide/safari/manage-cookies-sfri11471/mac"),
    (
        "browser_edge",
        "https://support.microsoft.com/microsoft-edge/delete-cookies-in-microsoft-edge-63947406-40ac-c3b8-57b9-2a946a29ae09",
    ),
)

_UNITS = (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def human_duration(seconds: int | None, strings: Mapping[str, str] = STRINGS) -> str:
    """A lifetime in the largest whole unit: ``"1 year"``, ``"30 days"``; ``None`` → "Session".

    A year is 365 days, as in policy files; a duration that is not a whole number of years is
    shown in days (``"400 days"``), and so on down to seconds.
    """
    if seconds is None:
        return strings["session"]
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return strings[f"unit_{unit}" if n == 1 else f"unit_{unit}s"].format(n=n)
    return strings["unit_seconds"].format(n=seconds)


def merge_strings(strings: Mapping[str, str] | None) -> Mapping[str, str]:
    """:data:`STRINGS` with the keys of ``strings`` (a site's translations) laid over it."""
    return STRINGS if not strings else {**STRINGS, **strings}
