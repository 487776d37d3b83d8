"""The topics "has this been answered?" learns per workspace, kept between questions.

Learning them (``MeaningSpace.fit`` over the insights, the notes and the 2,000 most recent
feedback items) takes seconds; answering with them takes milliseconds. So the fitted space and
the insights' vectors are kept per workspace: in this process's memory (a few workspaces,
least recently used dropped first) and on disk under ``DATA_DIR/cache/meaning`` so every web
process and every restart reuses one fit instead of learning again. Each is stamped with the
workspace's version, its insights' and notes' count, highest id and latest creation time
(both are only ever added; the time tells apart a database built again with the same ids),
read in two small queries per question: a new insight or note makes every copy stale. Saving
one queues the ``research.answers_learn`` job (tasks.py; one queued run per workspace covers
every change saved before it starts), which learns again off the request path and writes the
file for the web processes; a question asked before the job has run learns itself, once.

The file is a pickle that only this module writes, in the server's own data folder, the same
trust as the database beside it; it is replaced atomically (written aside, then renamed).
"""

import logging
import os
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Max

from greenroom.accounts.models import Workspace
from greenroom.feedback.models import FeedbackItem
from greenroom.research.models import Insight, Note

if TYPE_CHECKING:
    from greenroom.lib.text.meaning import MeaningSpace

logger = logging.getLogger(__name__)

# The topics are learnt from the insights, the notes and at most this many recent feedback
# items (so "spreadsheet" meets "CSV export" through what customers said); 5,000 took tens of
# seconds on a loaded machine.
MEANING_FEEDBACK = 2_000
# Workspaces whose fitted space one process keeps in memory (a few MB each).
IN_MEMORY = 4
# Fits one relearning job makes at most while insights keep arriving: a burst of them (an
# import) is then learnt by the next job or question, not by a job that never ends.
RELEARN_ROUNDS = 3


@dataclass
class Answers:
    """A workspace's learnt topics and its insights' vectors, in insight id order."""

    version: str
    space: "MeaningSpace"
    insight_ids: list[int]
    vectors: Any


_memory: OrderedDict[int, Answers] = OrderedDict()


def version(workspace: Workspace) -> str:
    """What the fitted space depends on: the insights' and the notes' count, top id and time."""
    stamp = {"n": Count("pk"), "top": Max("pk"), "at": Max("created_at")}
    insights = Insight.objects.for_workspace(workspace).aggregate(**stamp)
    notes = Note.objects.for_workspace(workspace).aggregate(**stamp)
    return "-".join(f"{row['n']}.{row['top']}.{row['at']}" for row in (insights, notes))


def _path(workspace: Workspace) -> Path:
    return Path(settings.DATA_DIR) / "cache" / "meaning" / f"workspace-{workspace.pk}.pickle"


def _read(path: Path, wanted: str) -> Answers | None:
    try:
        with path.open("rb") as file:
            answers = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as error:  # a truncated or older file: learn again and replace it
        logger.warning("Ignoring the cached topics in %s: %s", path, error)
        return None
    return answers if isinstance(answers, Answers) and answers.version == wanted else None


def _write(path: Path, answers: Answers) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_suffix(f".{os.getpid()}.tmp")
    with aside.open("wb") as file:
        pickle.dump(answers, file, pickle.HIGHEST_PROTOCOL)
    os.replace(aside, path)


def _insight_text(insight: Insight) -> str:
    parts = [insight.statement, insight.detail]
    parts += [h.passage() for h in insight.highlights.all()]
    parts += [item.text[:2000] for item in insight.feedback.all()]
    return "\n".join(parts)


def learn(workspace: Workspace, stamp: str) -> Answers:
    """Fit the workspace's topics and its insights' vectors (seconds at 5,000 texts)."""
    insights = list(
        Insight.objects.for_workspace(workspace)
        .prefetch_related("feedback", "highlights__note")
        .order_by("pk")
    )
    texts = [_insight_text(i) for i in insights]
    corpus = texts + list(Note.objects.for_workspace(workspace).values_list("body", flat=True))
    recent = FeedbackItem.objects.for_workspace(workspace).order_by("-received_at")
    corpus += [text[:2000] for text in recent.values_list("text", flat=True)[:MEANING_FEEDBACK]]
    # Imported here: scikit-learn takes seconds to load, and every process loads this module.
    from greenroom.lib.text.meaning import MeaningSpace

    space = MeaningSpace.fit(corpus)
    vectors = space.vectors(texts) if space.words is not None and texts else None
    return Answers(stamp, space, [i.pk for i in insights], vectors)


def answers_for(workspace: Workspace) -> Answers:
    """The workspace's fitted space as of now: from memory, else from disk, else learnt (and
    then kept in both)."""
    answers, _ = _current(workspace)
    return answers


def relearn(workspace: Workspace) -> int:
    """Learn the workspace's topics unless the kept copy is current, again while insights or
    notes arrive during the learning (``RELEARN_ROUNDS`` at most); how many times it learnt.
    The ``research.answers_learn`` job runs this after a change, so that the next question
    reads the topics instead of learning them."""
    rounds = 0
    while rounds < RELEARN_ROUNDS and _current(workspace)[1]:
        rounds += 1
    return rounds


def _current(workspace: Workspace) -> tuple[Answers, bool]:
    # The current answers, and whether they had to be learnt.
    stamp = version(workspace)
    answers = _memory.get(workspace.pk)
    learnt = False
    if answers is None or answers.version != stamp:
        path = _path(workspace)
        answers = _read(path, stamp)
        if answers is None:
            answers = learn(workspace, stamp)
            _write(path, answers)
            learnt = True
        _memory[workspace.pk] = answers
    _memory.move_to_end(workspace.pk)
    while len(_memory) > IN_MEMORY:
        _memory.popitem(last=False)
    return answers, learnt
