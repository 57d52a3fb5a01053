"""The small HTML pages the account owner sees: every text escaped, nothing loaded from anywhere.

They look like the console (xwebhook/look.py: the same bar at the top, here with the app's name, the same
card, type and colours) and carry no script: folded parts are <details>, which needs none.

Headers: a Content-Security-Policy that allows this page's one stylesheet (by hash) and nothing else (no
script, no form, no frame), no caching (a page may name the account), no Referer (the callback URL holds
X's code and state), and no framing.
"""

import base64
import hashlib
from html import escape

from xwebhook.look import CSS as STYLE

_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def _list(items):
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def page(title, paragraphs=(), items=(), link=None, note=None, sections=(), app_name=None, folded=()):
    """A page: a title, paragraphs, a bullet list, sections of (heading, bullet list), folded lists of
    (summary, bullet list) shown on a click, an optional (text, url) button and a small note; the bar at
    the top names the app (`app_name`; without it, what the page is for)."""
    bar = (
        f'<span class="name">{escape(app_name)}</span><span>connecting your X account</span>'
        if app_name
        else '<span class="name">Connecting an X account</span>'
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f'<header class="bar">{bar}</header>',
        '<main class="page"><div class="card">',
        f"<h1>{escape(title)}</h1>",
    ]
    parts += [f"<p>{escape(text)}</p>" for text in paragraphs if text]
    if items:
        parts.append(_list(items))
    for heading, section_items in sections:
        if section_items:
            parts.append(f"<h2>{escape(heading)}</h2>")
            parts.append(_list(section_items))
    for summary, folded_items in folded:
        if folded_items:
            parts.append(f'<details class="note"><summary>{escape(summary)}</summary>{_list(folded_items)}</details>')
    if link:
        text, url = link
        parts.append(f'<p><a class="button" href="{escape(url, quote=True)}">{escape(text)}</a></p>')
    if note:
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append("</div></main></body></html>")
    return "\n".join(parts) + "\n"


def failure_page(failure, restart_url=None, note=None, app_name=None):
    link = ("Start again", restart_url) if failure.restart and restart_url else None
    return page(failure.title, [failure.advice], link=link, note=note, app_name=app_name)


def connected_page(screen_name, lines, problems, note, receives=(), allows=(), app_name=None, type_ids=()):
    """The success page: who is connected to which app, what is subscribed, and what could not be, then in
    plain words what the account now shares with the app and what its owner allowed the app at X. X's ids
    of the event types (`type_ids`) are only folded away, for a question to the app's owner."""
    title = f"Connected as @{screen_name}" if screen_name else "Connected"
    who = f"Your X account @{screen_name}" if screen_name else "Your X account"
    paragraphs = [f"{who} is connected to {app_name or 'this app'}."]
    items = list(lines) + [f"Not done: {problem}" for problem in problems]
    sections = (
        ("What this app now receives about your account", list(receives)),
        ("What you allowed this app at X", list(allows)),
    )
    folded = (("The event types, as X names them", list(type_ids) if receives else []),)
    return page(title, paragraphs, items, note=note, sections=sections, app_name=app_name, folded=folded)
