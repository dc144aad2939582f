"""Run in Pyodide (headless Chromium) just before PetTube's memory snapshot is taken.

A snapshot holds memory, not files: the restored page has no wheel files, so it does not
reinstall them (that took most of a second). Everything the page will ever need from the
wheels must therefore already be in memory:

- every module of the wheels' packages, because botocore and urllib3 import some lazily
  (a module that cannot be imported in the browser, such as urllib3's SOCKS support, is
  left out: it would fail on the page too);
- the botocore data the page's two clients read (service models, endpoint rules,
  partitions, retry settings): building those clients once on boto3's default session
  leaves them in that session's loader cache, where the page's own clients find them.

It also holds PyScript's own `pyscript` package, compiled (`keep_pyscript`): before the page's
script, PyScript has Python parse 30 KB of set-up that writes the package's files, which Python
then compiles and imports, 25-50 ms of every start. The restored page imports it from here
instead (boot.mjs).

No credential, endpoint or user data belongs here: the snapshot is a public file. The
clients built here are thrown away; the page builds its own with the real endpoint and
credentials.

It also says which standard-library modules are now in memory: the restored page gets a
standard library without them (what it may still import lazily), 0.7 MB less to download.
"""

import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import pkgutil
import sys
import types

import boto3
from botocore.config import Config


def import_everything(names: tuple[str, ...]) -> list[str]:
    """Import every module of these packages; the names of those the browser cannot import."""
    unavailable = []
    for name in names:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(getattr(package, "__path__", []), prefix=f"{name}."):
            try:
                importlib.import_module(module.name)
            except Exception:  # noqa: BLE001 - optional dependency missing in Pyodide: the page cannot have it either
                unavailable.append(module.name)
    return unavailable


def load_service_data(services: tuple[str, ...]) -> None:
    """Build one client per service: its data stays in the default session's loader cache,
    whatever endpoint, credentials or signing the page's own clients use."""
    for service in services:
        boto3.client(service, region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                     aws_access_key_id="snapshot", aws_secret_access_key="snapshot",
                     config=Config(retries={"mode": "standard", "max_attempts": 3}))


# The module holding PyScript's package compiled, as `package` (a CompiledPackage): boot.mjs has
# the page install it in place of PyScript's set-up.
PYSCRIPT_MODULE = "_pettube_pyscript"


class CompiledPackage(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Imports a package's modules from code compiled when the snapshot was taken; their sources
    stay beside the code, for tracebacks."""

    def __init__(self, sources: dict[str, str]) -> None:
        """`sources`: path as PyScript writes it ("pyscript/web.py") -> source."""
        self.modules: dict[str, tuple[str, str, types.CodeType]] = {}
        for path, source in sources.items():
            name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            self.modules[name] = (path, source, compile(source, path, "exec", dont_inherit=True))

    def install(self) -> None:
        """Serve the package from now on, ahead of the file system."""
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.modules:
            return None
        origin = self.modules[fullname][0]
        return importlib.util.spec_from_loader(fullname, self, origin=origin, is_package=origin.endswith("/__init__.py"))

    def get_code(self, fullname: str) -> types.CodeType:
        return self.modules[fullname][2]

    def get_source(self, fullname: str) -> str:
        return self.modules[fullname][1]


def keep_pyscript(sources: dict[str, str]) -> None:
    """Compile PyScript's package (path -> source, as PyScript writes it) into the PYSCRIPT_MODULE."""
    module = types.ModuleType(PYSCRIPT_MODULE)
    module.package = CompiledPackage(sources)
    sys.modules[PYSCRIPT_MODULE] = module


def stdlib_in_memory() -> dict[str, str]:
    """Every module imported from the standard library's archive: name -> its member there."""
    archive = next(path for path in sys.path if path.endswith(".zip")) + "/"
    origins = {name: getattr(getattr(module, "__spec__", None), "origin", None) or ""
               for name, module in sys.modules.items()}
    return {name: origin.removeprefix(archive) for name, origin in origins.items() if origin.startswith(archive)}


def warm_up(packages: list[str], services: list[str], pyscript: dict[str, str]) -> dict[str, object]:
    """Called by snapshot.js: the import names of every wheel the page installs, the services
    its clients call (botocore's data holds no others) and the sources of PyScript's package.
    Returns the modules left out ("unavailable") and the standard library's modules now in
    memory ("stdlib")."""
    unavailable = import_everything(tuple(packages))
    load_service_data(tuple(services))
    keep_pyscript(pyscript)
    gc.collect()
    return {"unavailable": unavailable, "stdlib": stdlib_in_memory()}
