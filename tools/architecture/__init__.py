"""The architecture picture (docs/architecture.svg), drawn from infra/template.yaml.

``python -m tools.architecture`` reads the template, writes the Graphviz source
(docs/architecture.dot) and renders it with Graphviz's ``dot``. Nothing in the
picture is typed by hand, so it cannot drift: tests/docs/test_architecture.py fails
when the committed picture lacks a resource the template has.
"""
