"""What the Procfile's web line cannot say with a flag (it names this file with ``--config``).

gunicorn sends ``Server: gunicorn`` with every response and has no setting to stop it; the
name is a module global its responses read, so it is replaced here, in the master, before the
workers fork. Nothing of the app is imported here: the gevent worker patches the standard
library when it starts, and modules imported before that (psycopg, redis) would not cooperate.
"""

from gunicorn.http import wsgi

wsgi.SERVER = "shortener"
