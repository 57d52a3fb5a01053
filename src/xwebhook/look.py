"""The look our pages share: the connect pages an account owner sees (connect/pages.py, in the connect
function) and the console an operator uses (cli/console, never deployed). Plain data, nothing imported:
the connect function's cold start pays for one string.

The connect pages inline it under a Content-Security-Policy that allows exactly this stylesheet (by its
hash) and no script; the console inlines it before its own rules. Colours, type, the dark bar at the top
that names the app or the target, cards, buttons, links and code are the same in both.
"""

CSS = (
    ":root{--ink:#1d2329;--dim:#59636e;--line:#d8dee4;--paper:#fff;--ground:#f5f7f9;--bar:#15202b;"
    "--bar-ink:#fff;--bar-link:#9ecbff;--accent:#1d72c2;--ok:#116329;--bad:#b3261e;"
    "--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);"
    "background:var(--ground);overflow-wrap:anywhere}"
    ".bar{background:var(--bar);color:var(--bar-ink);padding:10px 18px;display:flex;flex-wrap:wrap;"
    "gap:4px 16px;align-items:baseline}"
    ".bar .name{font-weight:600;font-size:17px}.bar code{color:var(--bar-link)}"
    ".card{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:12px 14px;"
    "margin:0 0 14px;min-width:0}"
    ".page{max-width:40rem;margin:2rem auto;padding:0 1rem}"
    "h1{font-size:1.35rem;margin:0 0 .6rem}h2{font-size:1rem;margin:.9rem 0 .4rem}"
    ".card>h2:first-child{margin-top:0}ul{margin:.3rem 0;padding-left:1.2rem}"
    "code,pre,.mono{font-family:var(--mono);font-size:.86em}"
    ".dim,.note{color:var(--dim)}.ok{color:var(--ok)}.bad{color:var(--bad)}"
    "button,a.button{font:inherit;font-size:.87em;padding:3px 9px;border:1px solid #c5ccd3;background:#f6f8fa;"
    "color:var(--ink);border-radius:6px;cursor:pointer}"
    "button:hover{background:#e9eef3}button:disabled{opacity:.6;cursor:progress}"
    "a.button{display:inline-block;font-size:1em;padding:.45rem 1rem;background:var(--accent);"
    "border-color:var(--accent);color:#fff;text-decoration:none}"
    "details>summary{cursor:pointer}"
)
