"""A local Lambda runtime: the template's functions run as warm worker processes.

Each function gets its own execution environment (a Python child process with
exactly the template's environment variables, like a Lambda sandbox), events
arrive through the same asynchronous-invocation semantics AWS documents
(retries, then the OnFailure destination), and API calls invoke synchronously.
"""
