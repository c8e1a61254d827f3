"""A rule: one checkable target of the plan, as read from the rule file.

The shipped file ``rules.toml`` holds one entry per target of the Nantong
action plan (R1-R10, ``DOMAIN.md``), each with the clause it comes from.
Planners copy it, change thresholds, switch rules off (``enabled = false``)
or add their own; a study points to the copy with ``[rules] file = ...``.

A rule has a *kind* (how it is measured) and the *level* of units it judges
(社区 / 街道 / 区县 / 市). ``evaluate`` returns one tidy table: a row per
unit and rule with the value, the target, pass/fail, the shortfall and the
reason in Chinese and English; results roll up to the levels above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    """One checkable target.

    Attributes
    ----------
    id
        Short id, e.g. ``R1`` or ``R4a``.
    name_zh, name_en
        Names shown to planners.
    source
        The clause of the plan or the standard it comes from (e.g. ``任务3``).
    kind
        How it is measured (a key of ``kinds.KINDS``).
    level
        The unit it judges: ``community``, ``street``, ``district`` or ``city``.
    params
        The kind's parameters, validated and completed with defaults.
    enabled
        ``False`` keeps the rule in the file but skips it.
    note
        Free text shown in the rule list.
    basis
        Where every threshold comes from, or that it is a planner choice.
    readings
        Other readings of the rule's words a planner must see beside the
        headline (``[[rule.readings]]``): each ``{"zh", "en", "set"}`` where
        ``set`` maps parameters (``needs.<key>.<field>`` for one need) to the
        values the reading uses. ``sensitivity.readings_table`` evaluates them.
    lead
        The departments the plan names for the task (责任单位: 牵头 and 配合), as the
        plan writes them; empty when the rule is not the plan's (a GB preset).
    deadline
        When the plan wants the target met (完成时限, e.g. ``2025年``), or empty.
    """

    id: str
    name_zh: str
    name_en: str
    source: str
    kind: str
    level: str
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    note: str = ""
    basis: str = ""
    readings: tuple[Mapping[str, Any], ...] = ()
    lead: str = ""
    deadline: str = ""
