"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

The app keeps no state of its own, so any number of these processes, on any number of
machines, can share one PostgreSQL, and one Redis for the counts of failed sign-ins. With
``RATELIMIT_STORAGE_URI=memory://`` each worker would count on its own, so a production
worker refuses to boot, and gunicorn with it, unless ``RATELIMIT_PER_PROCESS_ACCEPTED``
says that one process serves the whole school.

This file is the server's, not the app's: it reads its few knobs from the environment
here (``config.py`` stays the only reader for the app's settings), and any value can
still be overridden on the command line.

* ``WEB_CONCURRENCY``: worker processes (default: two per CPU core, plus one);
* ``GUNICORN_BIND``: address to listen on (default ``127.0.0.1:8000``, behind nginx);
* ``GUNICORN_TIMEOUT``: seconds a worker may spend on one request before it is replaced;
* ``GUNICORN_ACCESS_LOG``: file for the access log, ``-`` for stdout (the default),
  or empty to switch it off.

The access log never records a query string, a cookie, a referrer or a body: a sign-in
link carries the student number in its query string, and the session cookie carries the
receipt until it is shown. A vote is a POST, so no choice reaches any log line.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Sync workers: each request has a process to itself, and nginx in front buffers slow
# clients, so a phone on a weak connection never holds a worker.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
# Heartbeat files on a memory file system, so a slow disk never gets workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# No runtime control socket: its default path is per user, so two servers on one host
# would share it, and signals (HUP, TERM, TTIN/TTOU) do the same job.
control_socket_disable = True

# Bound request lines and headers: nothing legitimate here comes close.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = "info"
# Client, time, method, path without its query string, protocol, status, duration in
# milliseconds, user agent. Deliberately absent: %(q)s and %(r)s (the query string),
# %(f)s (the referrer, which may hold one), every %({...}i)s header such as Cookie, and
# %(b)s/%(B)s: the size of a review page depends on the names it shows, so a log of sizes
# beside the audit log's sign-ins would say how a student voted.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(M)sms "%(a)s"'
