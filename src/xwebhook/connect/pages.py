"""The small HTML pages the account owner sees: every text escaped, nothing loaded from anywhere.

Headers: a Content-Security-Policy that allows this page's one stylesheet (by hash) and nothing else (no
script, no form, no frame), no caching (a page may name the account), no Referer (the callback URL holds
X's code and state), and no framing.
"""

import base64
import hashlib
from html import escape

STYLE = (
    "body{font-family:system-ui,-apple-system,sans-serif;max-width:38rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}h1{font-size:1.4rem}ul{padding-left:1.2rem}.note{color:#555}"
    "a.button{display:inline-block;padding:.5rem 1rem;border-radius:.4rem;background:#1d9bf0;color:#fff;"
    "text-decoration:none}"
)
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


def page(title, paragraphs=(), items=(), link=None, note=None, sections=()):
    """A page: a title, paragraphs, a bullet list, sections of (heading, bullet list), an optional
    (text, url) button and a small note."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    parts += [f"<p>{escape(text)}</p>" for text in paragraphs if text]
    if items:
        parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
    for heading, section_items in sections:
        if section_items:
            parts.append(f"<h2>{escape(heading)}</h2>")
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in section_items) + "</ul>")
    if link:
        text, url = link
        parts.append(f'<p><a class="button" href="{escape(url, quote=True)}">{escape(text)}</a></p>')
    if note:
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def failure_page(failure, restart_url=None, note=None):
    link = ("Start again", restart_url) if failure.restart and restart_url else None
    return page(failure.title, [failure.advice], link=link, note=note)


def connected_page(screen_name, lines, problems, note, receives=(), allows=()):
    """The success page: who is connected, what is subscribed, and what could not be, then in plain words
    what the account now shares with the app and what its owner allowed the app at X."""
    title = f"Connected as @{screen_name}" if screen_name else "Connected"
    paragraphs = ["Your X account is connected to this app."]
    items = list(lines) + [f"Not done: {problem}" for problem in problems]
    sections = (
        ("What this app now receives about your account", list(receives)),
        ("What you allowed this app at X", list(allows)),
    )
    return page(title, paragraphs, items, note=note, sections=sections)
