"""The actor–institution network of a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Graph:
    """The actor–institution network as plain nodes and edges."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


def actor_institution_network(case: Any) -> Graph:
    """Actors and institutions linked by membership, proposal and hierarchy (networkx).

    Edges: an actor *sits on* a body (its id is among the members), *proposed* it, or is the
    *parent* of another actor; a body *sits under* its parent or *replaced* its predecessor.
    Titles in member lists that are not actor ids are left out (they name offices, not actors).
    """
    import networkx as nx

    g = nx.Graph()
    actors = {a.id: a for a in case.actors}
    for a in case.actors:
        g.add_node(a.id, label=a.name.en, ja=a.name.ja or "", kind="actor", group=a.side or a.kind)
    for inst in case.institutions:
        g.add_node(inst.id, label=inst.name.en, ja=inst.name.ja or "", kind="institution",
                   group=inst.level or "unknown", failed=inst.outcome == "proposed-failed")
        for side in (inst.members.japan, inst.members.united_states):
            for m in side:
                if m in actors:
                    g.add_edge(m, inst.id, relation="member")
        for p in inst.proposers:
            if p in actors:
                g.add_edge(p, inst.id, relation="proposed")
        if inst.parent:
            g.add_edge(inst.parent, inst.id, relation="sits under")
        if inst.predecessor:
            g.add_edge(inst.predecessor, inst.id, relation="replaced")
    for a in case.actors:
        if a.parent and a.parent in actors:
            g.add_edge(a.parent, a.id, relation="part of")
    # Keep the picture about institutions: actors linked to none are left out.
    keep = {n for n, d in g.nodes(data=True) if d.get("kind") == "institution"}
    keep |= {n for n in g.nodes if any(g.nodes[m].get("kind") == "institution" for m in g.neighbors(n))}
    h = g.subgraph(keep).copy()
    h.remove_nodes_from([n for n in list(h.nodes) if "kind" not in h.nodes[n]])
    nodes = [{"id": n, **d, "degree": h.degree(n)} for n, d in h.nodes(data=True)]
    edges = [{"source": u, "target": v, **d} for u, v, d in h.edges(data=True)]
    return Graph(nodes, edges)
