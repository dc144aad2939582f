"""A Diagram -> Graphviz source, and that source -> SVG stamped with the source's digest."""

from __future__ import annotations

import hashlib
import html
import shutil
import subprocess

from tools.architecture.model import BROWSER, Diagram, Node

# Shape and fill per node kind; anything else is a plain box.
STYLES = {
    "AWS::S3::Bucket": 'shape=cylinder, fillcolor="#e8f4e8"',
    "AWS::DynamoDB::Table": 'shape=cylinder, fillcolor="#e8eefc"',
    "AWS::SQS::Queue": 'shape=cylinder, fillcolor="#f6e8f6"',
    "AWS::Serverless::Function": 'fillcolor="#fde9c9"',
    "AWS::IAM::Role": 'style="rounded,filled,dashed", fillcolor="#eef5ff"',
    "EventBridgeRule": 'fillcolor="#f2f2f2"',
    "Schedule": 'fillcolor="#f2f2f2"',
    "browser": 'fillcolor="#e8f1ff"',
}
EDGE_STYLES = {"flow": "", "grant": 'style=dashed, color="#3b6db3", fontcolor="#3b6db3"',
               "failure": 'style=dotted, color="#b33b3b", fontcolor="#b33b3b"'}
HEADER = """// Generated from infra/template.yaml by `python -m tools.architecture`: do not edit.
digraph pettube {
  graph [rankdir=TB, fontname="Helvetica", fontsize=13, nodesep=0.3, ranksep=0.7, labelloc=t, bgcolor="white",
         label=<<b>PetTube, drawn from infra/template.yaml</b><br/><font point-size="10">solid: the video's path and the """ \
    """functions' calls; <font color="#3b6db3">dashed: what a role's credentials allow</font>; <font color="#b33b3b">""" \
    """dotted: events that failed every retry</font>; <font color="#3f9a52">green: what runs it in the local cloud """ \
    """(make dev)</font></font>>];
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, fillcolor="#ffffff", color="#555555",
        margin="0.12,0.05"];
  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];
"""
OPERATION_NAMES = {"AWS::CloudWatch::Alarm": "CloudWatch alarms", "AWS::Logs::LogGroup": "log groups",
                   "AWS::SNS::Topic": "SNS topics"}
SVG_STAMP = "<!-- source sha256: {} -->"


def source(diagram: Diagram) -> str:
    """The Graphviz source of ``diagram``: same template, same bytes."""
    lines = [HEADER]
    lines += [f'  "{node.id}" [label=<{_label(node)}>{_style(node)}];' for node in diagram.nodes.values()]
    if diagram.operations:
        rows = "<br/>".join(f"{_kind_name(kind)} ({len(ids)}): {html.escape(', '.join(ids))}"
                            for kind, ids in diagram.operations.items())
        lines.append(f'  "Operations" [label=<<b>Operations</b><br/><font point-size="9">{rows}</font>>, '
                     'fillcolor="#f2f2f2", fontsize=10];')
        lines.append(f'  "{BROWSER}" -> "Operations" [style=invis];')
    for edge in diagram.edges:
        label = html.escape(edge.label).replace("\n", "<br/>")
        attributes = ", ".join(a for a in (f"label=<{label}>" if label else "", EDGE_STYLES[edge.style]) if a)
        lines.append(f'  "{edge.source}" -> "{edge.target}"' + (f" [{attributes}]" if attributes else "") + ";")
    return "\n".join(lines) + "\n}\n"


def _label(node: Node) -> str:
    parts = [f"<b>{html.escape(node.title)}</b>"]
    if node.detail:
        parts.append(f'<font point-size="9">{html.escape(node.detail)}</font>')
    if node.local:
        parts.append(f'<font point-size="9" color="#3f9a52">local: {html.escape(node.local)}</font>')
    return "<br/>".join(parts)


def _style(node: Node) -> str:
    style = STYLES.get(node.kind)
    return f", {style}" if style else ""


def _kind_name(kind: str) -> str:
    return OPERATION_NAMES.get(kind, kind)


def digest(dot_source: str) -> str:
    return hashlib.sha256(dot_source.encode()).hexdigest()


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` is not installed: the source can be written, not rendered."""


def render_svg(dot_source: str) -> str:
    """SVG from ``dot``, with the source's digest in a comment so a test can tell a stale picture."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing("Graphviz's `dot` renders the picture: apt-get install graphviz (or brew install "
                              "graphviz), then run python -m tools.architecture again")
    svg = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=True).stdout
    head, _, rest = svg.partition("<svg")
    return f"{head}{SVG_STAMP.format(digest(dot_source))}\n<svg{rest}"


def stamped_digest(svg: str) -> str | None:
    """The source digest a rendered SVG carries (None: not rendered by this tool)."""
    prefix, _, suffix = SVG_STAMP.partition("{}")
    start = svg.find(prefix)
    return svg[start + len(prefix):svg.find(suffix, start + len(prefix))] if start != -1 else None
