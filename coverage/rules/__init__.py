"""The plan's targets as declarative rules, read from TOML and evaluated per unit.

The shipped file ``rules.toml`` holds one entry per target of the Nantong
action plan (R1-R10, ``DOMAIN.md``), each with the clause it comes from.
Planners copy it, change thresholds, switch rules off (``enabled = false``)
or add their own; a study points to the copy with ``[rules] file = ...``.

`model` holds `Rule`, `inputs` what the rules look at (`RuleInputs`), `kinds`
the registry of ways to measure (`access`: walking, `quota`: attribute
arithmetic, `needs`: MOFCOM's circle over needs and tiers), `load` the file
reader, `evaluate` the tidy result table and `sensitivity` the same rules
under other readings of their words.
"""

from .access import counted_facilities as counted_facilities
from .evaluate import evaluate as evaluate
from .inputs import RuleInputs as RuleInputs
from .kinds import KINDS as KINDS
from .kinds import describe_threshold as describe_threshold
from .load import default_rules_path as default_rules_path
from .load import load_rules as load_rules
from .load import rules_table as rules_table
from .model import Rule as Rule
from .needs import needs_of as needs_of
from .sensitivity import SENSITIVITY_COLUMNS as SENSITIVITY_COLUMNS
from .sensitivity import readings_table as readings_table
from .sensitivity import sensitivity as sensitivity
from .sensitivity import with_params as with_params

__all__ = [
    "KINDS",
    "SENSITIVITY_COLUMNS",
    "Rule",
    "RuleInputs",
    "counted_facilities",
    "default_rules_path",
    "describe_threshold",
    "evaluate",
    "load_rules",
    "needs_of",
    "readings_table",
    "rules_table",
    "sensitivity",
    "with_params",
]
