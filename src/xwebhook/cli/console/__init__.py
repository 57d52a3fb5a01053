"""The console: one page that inspects a receiver's deliveries, events, webhook and queues, served on loopback
by the developer's own machine, never deployed (cli/ is left out of every Lambda package).

  server.py         the page and its HTTP routes over a *source*; ServedConsole for `xwebhook console`
  page.html         the page (its look shared with the connect pages: xwebhook/look.py)
  delivery_view.py  a delivery as the page shows it, from the local gateway's record or ingest's log line
  feed.py           the messages seen on the queues, for the page's live list
  stack_source.py   a deployed stack's source: ingest's CloudWatch log, peeks at the queues (as `tail`
                    peeks), admin `status` and `accounts`; read-only
The local stack's source (`make run`) is localdev/console/server.py.
"""
