"""Node numbers and ranks of the flow graph.

Nodes 0, 1 and 2 are the source of other mentees, the sink and the source of young specialists; every other
node has a rank, the layer of a path it sits on: source → mentee class → entry → hub → spread → local hub
→ mentor class → sink.
"""

from __future__ import annotations

OTHER_SOURCE, SINK_NODE, YOUNG_SOURCE = 0, 1, 2
TERMINALS = 3  # the two sources and the sink come first
SOURCE, CLASS, ENTRY, HUB, SPREAD, LOCAL, MENTOR, SINK = range(-1, 7)
