"""The page as both homes serve it: what `make deploy` stores on S3 and the local cloud serves.

One package for the three that need it, none of which imports another: the site build
(``tools.site_build``: the config naming the app archive, the server of its memory snapshot),
the deploy (``deploy.site``: the objects it uploads) and the local cloud's site server.

- ``bundle``: the page's Python in one archive, ``/app.zip``, with its bytecode (``bytecode``);
- ``files``: each file's Content-Type, the build's compressed siblings, pages with their
  stylesheet written in, and the headers every answer carries;
- ``loopback``: a server on a free 127.0.0.1 port while a block runs (the build's snapshot, tests).
- ``kept``: what packing the page derives from a built runtime (bytecode, the compressed
  archive), kept beside it so that the next process does not make it again.
"""
