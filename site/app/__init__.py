"""PetTube's web app: Python that runs in the page (Pyodide via PyScript).

Pure modules (config, formatting, uploadplan, upload, signing, auth, mymedia, state)
import nothing from the browser, so CPython unit tests cover them; views, transport,
signin and main are the browser side.
"""
