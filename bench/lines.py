"""Each kind's main line, read from its flow, the step catalogue and the case's transitions.

A flow is walked from its start along its ``.Next`` edges: an ``If`` on its ``Then`` branch (the main line), a
``Split`` into all of its branches, which meet again at one node (its ``Join``); other nodes have one way on.
Each human node holds its step: its completion fires the step's first transition (``Step.transitions[0]``), and
django-fsm's metadata on ``Case`` says from which state of the kind's main line to which. Steps that fire none
(a help request's advice) stay open across the states between their neighbours, which the case's own
transitions connect: taking the first of them moves the case on (a professional's claim,
``cases.services.claims``), and the flow moves it again once the last is done.

What is derived is checked against the main lines ``cases.models.case`` declares. The queue benchmark writes
its cases in these shapes (``bench.queues``); ``tests/test_bench_lines.py`` drives real cases along them and
compares what the engine wrote.
"""

from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from django_fsm import State, Transition
from viewflow.workflow import flow
from viewflow.workflow.base import Node

from cases.models import Case, CaseKind, CaseState
from cases.models.case import DISPUTE_MAIN_LINE, HELP_REQUEST_MAIN_LINE, TERMINAL_STATES
from cases.services.side_exits import SIDE_EXITS
from workflow.flows import FLOWS, CaseFlow
from workflow.nodes import CaseTask

MAIN_LINES: dict[str, tuple[CaseState, ...]] = {
    CaseKind.DISPUTE: DISPUTE_MAIN_LINE,
    CaseKind.HELP_REQUEST: HELP_REQUEST_MAIN_LINE,
}
WALK_LIMIT = 100  # nodes on one main line; more means the walk went round a loop

Hop = tuple[Node, ...]  # one node, or the branches of a split, open side by side


class LineError(Exception):
    """The flow, the catalogue and the case's transitions do not make one main line."""


@dataclass(frozen=True)
class Move:
    """One of the case's transitions, as the audit trail records it."""

    name: str
    source: str
    target: str


@dataclass(frozen=True)
class Stage:
    """Human steps open side by side (one, or the branches of a split) and how the case moves meanwhile."""

    nodes: tuple[CaseTask, ...]
    states: tuple[str, ...]  # while open: as they opened, then after the move of ``taken``
    taken: Move | None  # made by the first taking of one of the steps
    done: Move  # made once the stage is done
    by_step: bool  # ``done`` is the step's own transition, fired by its doer; else the flow fires it


@dataclass(frozen=True)
class Stop:
    """A state of the main line: the hops done before it, and the stage open in it (None at the end)."""

    state: str
    passed: int  # ``Line.hops[:passed]`` are done; ``Line.hops[passed]`` is the open stage
    stage: Stage | None
    taken: bool  # one of the open stage's steps was taken (``Stage.taken`` was made)


@dataclass(frozen=True)
class Line:
    kind: str
    flow_class: type[CaseFlow]
    hops: tuple[Hop, ...]
    stops: tuple[Stop, ...]

    @property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(node for hop in self.hops for node in hop)


def walk(flow_class: type[CaseFlow]) -> tuple[Hop, ...]:
    """The flow's nodes from its start to its end along the main line, a split's branches as one hop."""
    hops: list[Hop] = []
    node: Node | None = flow_class.start
    while node is not None:
        if len(hops) > WALK_LIMIT:
            raise LineError(f"{flow_class.__name__}: no end within {WALK_LIMIT} nodes")
        hops.append((node,))
        if isinstance(node, flow.Split):
            branches = tuple(edge.dst for edge in node._outgoing())
            hops.append(branches)
            meeting = {_next(branch) for branch in branches}
            if len(meeting) != 1:
                raise LineError(f"{flow_class.__name__}.{node.name}: its branches do not meet at one node")
            node = meeting.pop()
        else:
            node = _next(node)
    return tuple(hops)


def _next(node: Node) -> Node | None:
    edges = list(node._outgoing())  # viewflow's graph (its chart reads it the same way)
    if isinstance(node, flow.If):
        edges = [edge for edge in edges if edge.edge_class == "cond_true"]
    if len(edges) > 1:
        raise LineError(f"{node.name}: more than one way on")
    return edges[0].dst if edges else None


# ---- the case's transitions (django-fsm's metadata) -----------------------------------------------------


def _transition(name: str, source: str) -> Transition | None:
    meta: Any = getattr(Case, name)._django_fsm
    return meta.get_transition(source)


def _targets(transition: Transition) -> tuple[str, ...]:
    target: Any = transition.target
    states = target.allowed_states if isinstance(target, State) else [target]
    return tuple(str(state) for state in states)


def _holds(transition: Transition, kind: str) -> bool:
    """The transition's conditions hold for a case of ``kind`` (they ask what the case is)."""
    case = Case(kind=kind)
    return all(condition(case) for condition in transition.conditions)


def _only(found: list[Any], what: str) -> Any:
    if len(found) != 1:
        raise LineError(f"{what}: {len(found)} found, one expected")
    return found[0]


def step_move(kind: str, name: str) -> Move:
    """Transition ``name`` on a case of ``kind`` along its main line: from the one state of the line it leaves,
    to the one state of the line it reaches (a transition whose target depends on the case, like ``resolve``,
    names its possible targets)."""
    line = MAIN_LINES[kind]
    source = _only(
        [state for state in line if _transition(name, state) is not None], f"{kind} {name}: source"
    )
    transition = _transition(name, source)
    if transition is None or not _holds(transition, kind):
        raise LineError(f"{name} does not leave {source} on a {kind}")
    target = _only([state for state in _targets(transition) if state in line], f"{kind} {name}: target")
    return Move(name, str(source), str(target))


def move_between(kind: str, source: str, target: str) -> Move:
    """The one transition that takes a case of ``kind`` from ``source`` to ``target``."""
    candidates = [
        transition
        for transition in Case._meta.get_field("state").get_all_transitions(Case)
        if transition.source == source and target in _targets(transition) and _holds(transition, kind)
    ]
    transition = _only(candidates, f"{kind}: {source} -> {target}")
    return Move(transition.name, source, target)


def side_exits(kind: str, state: str) -> tuple[Move, ...]:
    """The side exits that end a case of ``kind`` in ``state`` (an escalation goes on at another unit)."""
    moves = []
    for name in SIDE_EXITS:
        transition = _transition(name, state)
        if transition is None:
            continue
        ends = [target for target in _targets(transition) if target in TERMINAL_STATES]
        if ends and _holds(transition, kind):
            moves.append(Move(name, state, str(_only(ends, f"{name} from {state}"))))
    return tuple(moves)


# ---- the line -----------------------------------------------------------------------------------------------


def _fired(kind: str, hop: Hop) -> Move | None:
    """The move the hop's step makes when done, or None for steps that fire none."""
    names = {node.step.transitions[0] if node.step.transitions else None for node in hop}
    name = _only(list(names), f"{kind}: the transition of {[node.name for node in hop]}")
    if name is not None and len(hop) > 1:
        raise LineError(f"{kind}: side-by-side steps {[node.name for node in hop]} each fire {name}")
    return None if name is None else step_move(kind, name)


@cache
def main_line(kind: str) -> Line:
    """The main line of a kind: its flow's hops and, for each state of the kind's main line, where the flow is."""
    flow_class = FLOWS[kind]
    states = [str(state) for state in MAIN_LINES[kind]]
    hops = walk(flow_class)
    human = [index for index, hop in enumerate(hops) if isinstance(hop[0], CaseTask)]
    for index in human:
        if not all(isinstance(node, CaseTask) for node in hops[index]):
            raise LineError(f"{kind}: a split into steps and other nodes at once")
    fired = {index: _fired(kind, hops[index]) for index in human}
    stops: list[Stop] = []
    state = states[0]
    for position, index in enumerate(human):
        move = fired[index]
        if move is not None:  # open until its step fires the move
            span = states[states.index(state) : states.index(move.source) + 1]
            done, by_step = move, True
        else:  # open until the next step can fire its move: the flow moves the case there
            following = next((fired[later] for later in human[position + 1 :]), None)
            if following is None:
                raise LineError(f"{kind}: steps that fire no transition and nothing after them that does")
            span = states[states.index(state) : states.index(following.source)]
            done, by_step = move_between(kind, span[-1], following.source), False
        if not span:
            raise LineError(f"{kind}: {[node.name for node in hops[index]]} open in no state of the line")
        moves = [move_between(kind, source, target) for source, target in pairwise(span)]
        if len(moves) > 1:
            raise LineError(f"{kind}: {moves} while {[node.name for node in hops[index]]} are open")
        stage = Stage(
            nodes=hops[index],  # checked above: all CaseTask
            states=tuple(span),
            taken=moves[0] if moves else None,
            done=done,
            by_step=by_step,
        )
        stops.extend(Stop(state, index, stage, taken=number > 0) for number, state in enumerate(span))
        state = done.target
    stops.append(Stop(state, len(hops), None, taken=False))
    if [stop.state for stop in stops] != states:
        raise LineError(
            f"{kind}: the flow walks {[stop.state for stop in stops]}, the case declares {states}"
        )
    return Line(kind=kind, flow_class=flow_class, hops=hops, stops=tuple(stops))
