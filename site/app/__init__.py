"""PetTube's web app: Python that runs in the page (Pyodide via PyScript).

Pure modules (config, formatting, uploadplan, upload, signing, auth, mymedia, state,
library, freshness, routes, tasks) import nothing from the browser, so CPython unit tests
cover them; views, mediaviews, playerviews (the DOM), transport and signin (other browser
APIs), controller, details and watching (the use cases) and main (event wiring) are the
browser side.
"""
